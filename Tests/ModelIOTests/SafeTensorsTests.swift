import Foundation
import ModelIO
import Testing
import TestSupport

@Suite struct SafeTensorsTests {
    @Test func peftAdapterFixtureReadsWithHFKeysAndShapes() throws {
        let file = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora/adapter_model.safetensors"))
        #expect(file.names.count == 2 * 7 * 2)
        #expect(file.metadata == ["format": "pt"])
        let a = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
        let b = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"
        #expect(file.shape(a) == [4, 32])
        #expect(file.shape(b) == [32, 4])
        #expect(file.shape("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight") == [16, 4])
        #expect(file.shape("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight") == [4, 64])
        let values = try file.floats(a)
        #expect(values.count == 128)
        #expect(values.contains { $0 != 0 } && values.allSatisfy { $0.isFinite })
        #expect(file.shape("missing") == nil)
        #expect(throws: GGUFError.self) { try file.floats("missing") }
    }

    @Test func namesComeInDataOrder() throws {
        let file = try SafeTensors.read(url: Fixtures.url("quant-blocks-dequantized.safetensors"))
        #expect(file.names == ["bf16", "q2_k", "q3_k", "q4_0", "q4_1", "q4_k", "q5_0", "q5_1", "q5_k", "q6_k", "q8_0"])
    }

    @Test func writeThenReadRoundTripsEveryDType() throws {
        let values: [Float] = [0, 1, -1, 0.5, 3.140625, -65504, 1e-3, 123.456]
        let url = temporaryURL("round.safetensors")
        try SafeTensors.write([
            (name: "x.f32", shape: [2, 4], values: values, dtype: .f32),
            (name: "x.f16", shape: [8], values: values, dtype: .f16),
            (name: "x.bf16", shape: [4, 2], values: values, dtype: .bf16),
            (name: "empty", shape: [0, 3], values: [], dtype: .f32),
        ], metadata: ["format": "pt", "note": "quote \" and \\ and\nnewline ☃"], to: url)
        let file = try SafeTensors.read(url: url)
        #expect(file.names == ["x.f32", "x.f16", "x.bf16", "empty"])
        #expect(file.metadata == ["format": "pt", "note": "quote \" and \\ and\nnewline ☃"])
        #expect(file.shape("x.bf16") == [4, 2])
        #expect(try file.floats("x.f32") == values)
        #expect(try file.floats("x.f16") == values.map { Float(Float16($0)) })
        let bf16 = try file.floats("x.bf16")
        for (decoded, original) in zip(bf16, values) {
            #expect(abs(decoded - original) <= abs(original) / 256)
        }
        #expect(Array(bf16[0 ..< 5]) == [0, 1, -1, 0.5, 3.140625])
        #expect(try file.floats("empty") == [])
        // The data section starts 8-byte aligned.
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func rewritingTheAdapterReproducesItsValues() throws {
        let source = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora/adapter_model.safetensors"))
        let tensors = try source.names.map { (name: $0, shape: source.shape($0)!, values: try source.floats($0), dtype: SafeTensorsDType.f32) }
        let url = temporaryURL("adapter.safetensors")
        try SafeTensors.write(tensors, metadata: source.metadata, to: url)
        let copy = try SafeTensors.read(url: url)
        #expect(copy.names == source.names)
        for name in source.names { #expect(try copy.floats(name) == source.floats(name)) }
    }

    @Test func badHeadersAreCleanErrors() throws {
        func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) throws -> URL {
            var bytes = withUnsafeBytes(of: (length ?? UInt64(header.utf8.count)).littleEndian) { Array($0) }
            bytes += Array(header.utf8) + data
            let url = temporaryURL("bad.safetensors")
            try Data(bytes).write(to: url)
            return url
        }
        let cases: [URL] = [
            try file("{}", length: 1 << 60),                                                     // header longer than file
            try file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: [0, 0, 0]),   // data past end
            try file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)),  // size mismatch
            try file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", data: Array(repeating: 0, count: 8)),  // reversed
            try file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)),
            try file("not json"),
            try file("[1,2]"),
            try file("{\"a\":{\"dtype\":\"F32\"}}"),
            try file("{\"__metadata__\":{\"k\":1}}"),
        ]
        for url in cases {
            #expect(throws: GGUFError.self) { try SafeTensors.read(url: url) }
        }
        let short = temporaryURL("short.safetensors")
        try Data([1, 2, 3]).write(to: short)
        #expect(throws: GGUFError.self) { try SafeTensors.read(url: short) }
        let unknownDType = try file("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8))
        let readable = try SafeTensors.read(url: unknownDType)
        #expect(throws: GGUFError.self) { try readable.floats("a") }
    }

    @Test func shapeAndValueCountMismatchIsRejected() {
        #expect(throws: GGUFError.self) {
            try SafeTensors.write([(name: "a", shape: [2, 2], values: [1, 2, 3], dtype: .f32)], metadata: [:], to: temporaryURL("x.safetensors"))
        }
    }
}
