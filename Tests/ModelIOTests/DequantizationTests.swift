import Foundation
import ModelIO
import Testing
import TestSupport

@Suite struct DequantizationTests {
    @Test func everyQuantBlockTensorMatchesGGUFPyExactly() throws {
        let gguf = try GGUFFile(url: Fixtures.url("quant-blocks.gguf"))
        let reference = try SafeTensors.read(url: Fixtures.url("quant-blocks-dequantized.safetensors"))
        #expect(gguf.tensors.count == 11)
        #expect(Set(gguf.tensors.map(\.name)) == Set(reference.names))
        for tensor in gguf.tensors {
            let expected = try reference.floats(tensor.name)
            let actual = try gguf.dequantize(tensor)
            #expect(reference.shape(tensor.name) == tensor.rowMajorShape, "\(tensor.name)")
            try #require(actual.count == expected.count, "\(tensor.name)")
            let maxDifference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(maxDifference == 0, "\(tensor.name) (\(tensor.type.name)) differs by \(maxDifference)")
            #expect(zip(actual, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0 == 0 && $1 == 0) }, "\(tensor.name)")
        }
    }

    @Test func quantBlockTypesCoverEveryKQuantAndLegacyFormat() throws {
        let gguf = try GGUFFile(url: Fixtures.url("quant-blocks.gguf"))
        let types = Set(gguf.tensors.map(\.type))
        #expect(types == [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .bf16])
    }

    @Test func dequantizeIntoPointerMatchesArrayResult() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        for tensor in gguf.tensors {
            let values = try gguf.dequantize(tensor)
            var buffer = [Float](repeating: .nan, count: tensor.elementCount)
            try buffer.withUnsafeMutableBufferPointer { try gguf.dequantize(tensor, into: $0.baseAddress!) }
            #expect(buffer == values, "\(tensor.name)")
        }
    }

    @Test func dequantizedRowsMatchTheWholeTensor() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        let embeddings = try #require(gguf.tensor(named: "token_embd.weight"))
        let all = try gguf.dequantize(embeddings)
        let rows = try gguf.dequantizeRows(embeddings, 100 ..< 103)
        #expect(rows == Array(all[100 * 32 ..< 103 * 32]))
        #expect(throws: GGUFError.self) { try gguf.dequantizeRows(embeddings, 49150 ..< 49153) }
    }

    /// Large tensors are decoded in parallel chunks; the result must equal a serial decode of each row.
    @Test func parallelDecodeOfLargeTensorEqualsRowByRowDecode() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        let embeddings = try #require(gguf.tensor(named: "token_embd.weight"))
        #expect(embeddings.elementCount > 1 << 16)
        let whole = try gguf.dequantize(embeddings)
        let raw = gguf.rawData(embeddings)
        let rowBytes = embeddings.rowLength / 32 * 34
        for row in stride(from: 0, to: embeddings.rowCount, by: 997) {
            let slice = UnsafeRawBufferPointer(rebasing: raw[row * rowBytes ..< (row + 1) * rowBytes])
            let decoded = try Dequantization.dequantize(.q8_0, source: slice, count: embeddings.rowLength)
            #expect(decoded == Array(whole[row * 32 ..< (row + 1) * 32]))
        }
    }

    @Test func halfPrecisionDecodingIsExactForEveryBitPattern() throws {
        let bits = [UInt16](0 ... UInt16.max)
        let decoded = try bits.withUnsafeBytes { raw in
            try Dequantization.dequantize(.f16, source: raw, count: 65536)
        }
        for (i, value) in decoded.enumerated() {
            let expected = Float(Float16(bitPattern: UInt16(i)))
            if expected.isNaN {
                #expect(value.isNaN)
            } else if value.bitPattern != expected.bitPattern {
                Issue.record("half 0x\(String(i, radix: 16)) decoded to \(value), expected \(expected)")
                break
            }
        }
        // Runs of 15 go through the scalar path (the vector path takes 16 at a time).
        try bits.withUnsafeBytes { raw in
            for start in stride(from: 0, to: 65536, by: 15) {
                let count = min(15, 65536 - start)
                let slice = UnsafeRawBufferPointer(rebasing: raw[2 * start ..< 2 * (start + count)])
                let values = try Dequantization.dequantize(.f16, source: slice, count: count)
                for (k, value) in values.enumerated() {
                    let expected = Float(Float16(bitPattern: UInt16(start + k)))
                    #expect(value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN))
                }
            }
        }
    }

    @Test func unsupportedTypeIsACleanError() throws {
        let bytes = [UInt8](repeating: 0, count: 66)
        #expect(throws: GGUFError.self) {
            try bytes.withUnsafeBytes { try Dequantization.dequantize(.iq2_xxs, source: $0, count: 256) }
        }
        #expect(throws: GGUFError.self) {
            try bytes.withUnsafeBytes { try Dequantization.dequantize(.q8_0, source: $0, count: 64) }
        }
    }
}
