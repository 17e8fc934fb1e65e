import Foundation
import ModelIO
import Testing
import TestSupport

@Suite struct GGUFWriterTests {
    static let everyType: [(String, GGUFValue)] = [
        ("t.uint8", .uint8(200)), ("t.int8", .int8(-100)), ("t.uint16", .uint16(60000)), ("t.int16", .int16(-30000)),
        ("t.uint32", .uint32(4_000_000_000)), ("t.int32", .int32(-2_000_000_000)),
        ("t.uint64", .uint64(UInt64.max - 1)), ("t.int64", .int64(Int64.min + 1)),
        ("t.float32", .float32(-1.5e-7)), ("t.float64", .float64(3.141592653589793)), ("t.bool", .bool(true)),
        ("t.false", .bool(false)), ("t.string", .string("héllo ☃ 🦙\n\"quoted\"")), ("t.empty_string", .string("")),
        ("t.strings", .array([.string("a"), .string(""), .string("Ġthe"), .string("<|im_end|>")])),
        ("t.ints", .array([.int32(1), .int32(-2), .int32(3)])),
        ("t.floats", .array([.float32(0.5), .float32(-0.25)])),
        ("t.bools", .array([.bool(true), .bool(false)])),
        ("t.u64s", .array([.uint64(1), .uint64(1 << 40)])),
        ("t.empty", .array([])),
        ("t.nested", .array([.array([.int32(1), .int32(2)]), .array([]), .array([.int32(3)])])),
        ("t.nested_strings", .array([.array([.string("x"), .string("y")]), .array([.string("z")])])),
        ("t.deep", .array([.array([.array([.float64(1), .float64(2)])])])),
    ]

    static func randomValues(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0 ..< count).map { i in
            let scale: Float = i % 97 == 0 ? 40 : 1
            return Float.random(in: -2 ... 2, using: &generator) * scale
        }
    }

    @Test func metadataOfEveryTypeRoundTripsInOrder() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.everyType { writer.set(key, value) }
        let url = temporaryURL("meta.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        #expect(gguf.version == 3)
        #expect(gguf.metadataKeys == Self.everyType.map(\.0))
        for (key, value) in Self.everyType {
            #expect(gguf.metadata[key] == value, "\(key)")
        }
        #expect(gguf.stringArray("t.strings") == ["a", "", "Ġthe", "<|im_end|>"])
        #expect(gguf.intArray("t.ints") == [1, -2, 3])
        #expect(gguf.metadata["t.nested"]?.array?[0].intArray == [1, 2])
        #expect(gguf.tensors.isEmpty)
    }

    @Test func floatTensorsRoundTripExactlyAndHalvesRoundToNearest() throws {
        let values = Self.randomValues(64 * 3, seed: 1)
        var writer = GGUFWriter()
        try writer.addTensor(name: "a.f32", dimensions: [64, 3], values: values, type: .f32)
        try writer.addTensor(name: "a.f16", dimensions: [64, 3], values: values, type: .f16)
        try writer.addTensor(name: "odd.f32", dimensions: [5], values: [1, 2, 3, 4, 5], type: .f32)
        let url = temporaryURL("floats.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        #expect(gguf.tensor(named: "a.f32")?.dimensions == [64, 3])
        #expect(try gguf.dequantize(gguf.tensor(named: "a.f32")!) == values)
        #expect(try gguf.dequantize(gguf.tensor(named: "a.f16")!) == values.map { Float(Float16($0)) })
        #expect(try gguf.dequantize(gguf.tensor(named: "odd.f32")!) == [1, 2, 3, 4, 5])
    }

    @Test func q8_0MatchesGGMLReferenceQuantizerAndBoundsTheError() throws {
        var values = Self.randomValues(32 * 40, seed: 2)
        values.replaceSubrange(0 ..< 32, with: repeatElement(0, count: 32))   // an all-zero block
        values[40] = 127; values[41] = -127                                    // exact extremes
        var writer = GGUFWriter()
        try writer.addTensor(name: "q", dimensions: [64, 20], values: values, type: .q8_0)
        let url = temporaryURL("q8.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        let tensor = try #require(gguf.tensor(named: "q"))
        #expect(tensor.type == .q8_0)
        let reference = ReferenceQuantizers.q8_0(values)
        #expect(Array(gguf.rawData(tensor)) == reference)
        let decoded = try gguf.dequantize(tensor)
        #expect(decoded == ReferenceQuantizers.dequantizeQ8_0(reference))
        for b in 0 ..< 40 {
            let block = values[32 * b ..< 32 * b + 32]
            let amax = block.map(abs).max()!
            for j in block.indices { #expect(abs(decoded[j] - values[j]) <= amax / 127 * 0.51 + amax * 1e-3) }
        }
        #expect(decoded[0 ..< 32].allSatisfy { $0 == 0 })
    }

    @Test func q4_0MatchesGGMLReferenceQuantizerAndBoundsTheError() throws {
        let values = Self.randomValues(32 * 40, seed: 3)
        var writer = GGUFWriter()
        try writer.addTensor(name: "q", dimensions: [128, 10], values: values, type: .q4_0)
        let url = temporaryURL("q4.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        let tensor = try #require(gguf.tensor(named: "q"))
        let reference = ReferenceQuantizers.q4_0(values)
        #expect(Array(gguf.rawData(tensor)) == reference)
        let decoded = try gguf.dequantize(tensor)
        #expect(decoded == ReferenceQuantizers.dequantizeQ4_0(reference))
        for b in 0 ..< 40 {
            let block = values[32 * b ..< 32 * b + 32]
            let amax = block.map(abs).max()!
            for j in block.indices { #expect(abs(decoded[j] - values[j]) <= amax / 8 * 1.01) }
        }
    }

    @Test func quantizersMatchReferenceOnRealWeights() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        let weights = try gguf.dequantize(gguf.tensor(named: "blk.1.attn_q.weight")!)
        #expect(try Quantization.encode(weights, as: .q8_0) == ReferenceQuantizers.q8_0(weights))
        #expect(try Quantization.encode(weights, as: .q4_0) == ReferenceQuantizers.q4_0(weights))
        #expect(try Quantization.encode(weights, as: .q4_1) == ReferenceQuantizers.q4_1(weights))
    }

    @Test func q4_1MatchesGGMLReferenceAndReencodesAQ4_1TensorToTheSameBlocks() throws {
        let values = Self.randomValues(32 * 40, seed: 5)
        #expect(try Quantization.encode(values, as: .q4_1) == ReferenceQuantizers.q4_1(values))
        var writer = GGUFWriter()
        try writer.addTensor(name: "q", dimensions: [128, 10], values: values, type: .q4_1)
        let url = temporaryURL("q41.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        let tensor = try #require(gguf.tensor(named: "q"))
        let decoded = try gguf.dequantize(tensor)
        for b in 0 ..< 40 {
            let block = values[32 * b ..< 32 * b + 32]
            let step = (block.max()! - block.min()!) / 15
            for j in block.indices { #expect(abs(decoded[j] - values[j]) <= step / 2 * 1.01 + 1e-3 * abs(values[j])) }
        }
        // Weights that came from Q4_1 blocks quantize back to (nearly all of) the same bytes: the
        // block's min is its m and its max is m + 15·d up to f16 rounding.
        let model = try GGUFFile(url: Fixtures.url("quant-blocks.gguf"))
        let original = try #require(model.tensors.first { $0.type == .q4_1 })
        let again = try Quantization.encode(try model.dequantize(original), as: .q4_1)
        let bytes = Array(model.rawData(original))
        let same = zip(again, bytes).filter { $0 == $1 }.count
        #expect(Double(same) / Double(bytes.count) > 0.98, "\(same) of \(bytes.count) bytes")
    }

    @Test func dataIsAlignedToTheRequestedAlignment() throws {
        var writer = GGUFWriter(alignment: 64)
        writer.set("general.architecture", .string("llama"))
        try writer.addTensor(name: "a", dimensions: [3], values: [1, 2, 3], type: .f32)
        try writer.addTensor(name: "b", dimensions: [32], values: Self.randomValues(32, seed: 4), type: .q8_0)
        try writer.addTensor(name: "c", dimensions: [7], values: Array(repeating: 0.5, count: 7), type: .f16)
        let url = temporaryURL("aligned.gguf")
        try writer.write(to: url)
        let gguf = try GGUFFile(url: url)
        #expect(gguf.alignment == 64)
        #expect(gguf.dataOffset % 64 == 0)
        #expect(gguf.tensors.map(\.offset) == [0, 64, 128])
        #expect(gguf.fileSize == gguf.dataOffset + 192)
        #expect(try gguf.dequantize(gguf.tensor(named: "c")!) == Array(repeating: 0.5, count: 7))
    }

    @Test func copyingEveryTinyLlamaTensorAndKeyReproducesTheModel() throws {
        let source = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        var writer = GGUFWriter(alignment: source.alignment)
        for key in source.metadataKeys where key != "general.alignment" { writer.set(key, source.metadata[key]!) }
        for tensor in source.tensors {
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: tensor.type, data: Array(source.rawData(tensor)))
        }
        let url = temporaryURL("copy.gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        let copy = try GGUFFile(url: url)
        #expect(copy.metadataKeys == source.metadataKeys)
        #expect(copy.metadata == source.metadata)
        #expect(copy.tensors == source.tensors)
        for tensor in source.tensors { #expect(Array(copy.rawData(tensor)) == Array(source.rawData(tensor))) }
        #expect(try Data(contentsOf: url) == Data(contentsOf: Fixtures.url("tiny-llama.gguf")))
    }

    @Test func failedWriteLeavesTheTargetUntouched() throws {
        let url = temporaryURL("keep.gguf")
        try Data("previous".utf8).write(to: url)
        var writer = GGUFWriter()
        writer.set("mixed", .array([.int32(1), .string("x")]))
        #expect(throws: GGUFError.self) { try writer.write(to: url) }
        #expect(try Data(contentsOf: url) == Data("previous".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.contains("keep.gguf.tmp") }
        #expect(leftovers.isEmpty)
        let missing = URL(fileURLWithPath: "/nonexistent-dir-\(getpid())/x.gguf")
        #expect(throws: GGUFError.self) { try GGUFWriter().write(to: missing) }
    }

    @Test func badTensorsAreRejectedBeforeWriting() throws {
        var writer = GGUFWriter()
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [33], values: Array(repeating: 0, count: 33), type: .q8_0) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [4, 2], values: [1, 2, 3], type: .f32) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [32], values: Array(repeating: 0, count: 32), type: .q4_K) }
        try writer.addTensor(name: "a", dimensions: [2], values: [1, 2], type: .f32)
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [2], values: [1, 2], type: .f32) }
    }
}
