import Foundation
import ModelIO
import Testing

/// Each damaged-file case must end in one clean `GGUFError` line, never a crash or a huge allocation.
@Suite struct GGUFBadFileTests {
    /// A 320-byte file whose field offsets are fixed:
    /// 0 magic · 4 version · 8 tensor count · 16 kv count ·
    /// 24 key length, 32 "general.architecture", 52 type, 56 string length, 64 "llama" ·
    /// 69 key length, 77 "tokenizer.ggml.tokens", 98 type 9, 102 element type, 106 count,
    /// 114 length, 122 "a", 123 length, 131 "bc" ·
    /// 133 name length, 141 "t", 142 n_dims, 146 ne0, 154 ne1, 162 type, 166 offset · 192 data (128 bytes).
    static func validFile() throws -> [UInt8] {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("tokenizer.ggml.tokens", .array([.string("a"), .string("bc")]))
        try writer.addTensor(name: "t", dimensions: [32, 1], values: (0 ..< 32).map(Float.init), type: .f32)
        let url = temporaryURL("valid.gguf")
        try writer.write(to: url)
        return Array(try Data(contentsOf: url))
    }

    static func load(_ bytes: [UInt8]) throws -> GGUFFile {
        let url = temporaryURL("bad.gguf")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try GGUFFile(url: url)   // the mapping outlives the directory entry
    }

    static func patched(_ offset: Int, _ value: some FixedWidthInteger) throws -> [UInt8] {
        var bytes = try validFile()
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset ..< offset + $0.count, with: $0) }
        return bytes
    }

    /// Loading must fail with a one-line message that mentions `fragment`.
    static func expectFailure(_ bytes: [UInt8], mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(bytes)
            Issue.record("loaded a damaged file that should mention \(fragment)", sourceLocation: sourceLocation)
        } catch let error as GGUFError {
            let message = error.errorDescription ?? ""
            #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("\n"), sourceLocation: sourceLocation)
            #expect(message.hasPrefix("/"), "names the file: \(message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("threw \(error), not a GGUFError", sourceLocation: sourceLocation)
        }
    }

    @Test func layoutOfTheHandBuiltFileIsAsDocumented() throws {
        let bytes = try Self.validFile()
        #expect(bytes.count == 320)
        #expect(Array(bytes[32 ..< 52]) == Array("general.architecture".utf8))
        #expect(Array(bytes[131 ..< 133]) == Array("bc".utf8))
        #expect(bytes[141] == UInt8(ascii: "t"))
        let gguf = try Self.load(bytes)
        #expect(gguf.stringArray("tokenizer.ggml.tokens") == ["a", "bc"])
        #expect(try gguf.dequantize(gguf.tensor(named: "t")!) == (0 ..< 32).map(Float.init))
    }

    @Test func truncationAtEveryOffsetIsACleanError() throws {
        let bytes = try Self.validFile()
        for length in 0 ..< bytes.count {
            #expect(throws: GGUFError.self, "truncated at \(length)") { try Self.load(Array(bytes[0 ..< length])) }
        }
    }

    @Test func wrongMagicIsRejected() throws {
        Self.expectFailure(try Self.patched(0, UInt32(0x4755_4747)), mentioning: "magic")
        Self.expectFailure(Array("PK\u{3}\u{4} this is a zip file, not a model".utf8), mentioning: "magic")
    }

    @Test func unsupportedVersionsAreRejected() throws {
        for version: UInt32 in [0, 1, 4, 0x0300_0000] {
            Self.expectFailure(try Self.patched(4, version), mentioning: "version \(version)")
        }
        let v2 = try Self.load(try Self.patched(4, UInt32(2)))
        #expect(v2.version == 2)
    }

    @Test func countsThatCannotFitTheFileAreRejected() throws {
        Self.expectFailure(try Self.patched(8, UInt64.max), mentioning: "tensor count")
        Self.expectFailure(try Self.patched(8, UInt64(1) << 40), mentioning: "tensor count")
        Self.expectFailure(try Self.patched(16, UInt64.max), mentioning: "metadata count")
        Self.expectFailure(try Self.patched(16, UInt64(1) << 33), mentioning: "metadata count")
        Self.expectFailure(try Self.patched(106, UInt64(1) << 61), mentioning: "tokenizer.ggml.tokens")
    }

    @Test func stringLongerThanTheFileIsRejected() throws {
        Self.expectFailure(try Self.patched(24, UInt64(1) << 62), mentioning: "metadata key #0")
        Self.expectFailure(try Self.patched(56, UInt64(1000)), mentioning: "general.architecture")
        Self.expectFailure(try Self.patched(114, UInt64.max), mentioning: "tokenizer.ggml.tokens")
        Self.expectFailure(try Self.patched(133, UInt64(321)), mentioning: "tensor #0")
    }

    @Test func unknownValueTypesAreRejected() throws {
        Self.expectFailure(try Self.patched(52, UInt32(77)), mentioning: "unknown value type 77")
        Self.expectFailure(try Self.patched(102, UInt32(13)), mentioning: "unknown element type 13")
    }

    @Test func dimensionsThatOverflowOrExceedTheFileAreRejected() throws {
        var overflow = try Self.patched(146, UInt64(1) << 40)
        withUnsafeBytes(of: (UInt64(1) << 40).littleEndian) { overflow.replaceSubrange(154 ..< 162, with: $0) }
        Self.expectFailure(overflow, mentioning: "overflows")
        Self.expectFailure(try Self.patched(146, UInt64.max), mentioning: "overflows")
        Self.expectFailure(try Self.patched(154, UInt64(1) << 40), mentioning: "tensor t")
        Self.expectFailure(try Self.patched(154, UInt64(1) << 61), mentioning: "tensor t")
        Self.expectFailure(try Self.patched(142, UInt32(5)), mentioning: "5 dimensions")
        Self.expectFailure(try Self.patched(142, UInt32(0)), mentioning: "0 dimensions")
    }

    /// Found by the fuzz campaign's checked build: a 0 first dimension kept the element count at 0,
    /// so [0, 2^40, 2^40] passed the overflow check and the row count (2^80) trapped when read.
    @Test func aZeroDimensionDoesNotHideAnOverflowingRowCount() throws {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        try writer.addTensor(name: "empty", dimensions: [0, 1 << 40, 1 << 40], values: [], type: .f32)
        let url = temporaryURL("zero-dimension.gguf")
        try writer.write(to: url)
        Self.expectFailure(Array(try Data(contentsOf: url)), mentioning: "tensor empty at offset")
        // An empty tensor whose dimensions fit still loads.
        var fits = GGUFWriter()
        try fits.addTensor(name: "empty", dimensions: [0, 1 << 20, 1 << 20], values: [], type: .f32)
        try fits.write(to: url)
        let loaded = try #require(try GGUFFile(url: url).tensor(named: "empty"))
        #expect(loaded.elementCount == 0 && loaded.rowCount == 1 << 40)
    }

    @Test func unknownTensorTypeNamesTheTensor() throws {
        Self.expectFailure(try Self.patched(162, UInt32(99)), mentioning: "tensor t has unknown type id 99")
        Self.expectFailure(try Self.patched(162, UInt32(4)), mentioning: "tensor t")   // ids 4 and 5 were removed from ggml
    }

    @Test func quantizedRowsMustBeWholeBlocks() throws {
        Self.expectFailure(try Self.patched(162, GGMLType.q4_K.rawValue), mentioning: "block size 256")
    }

    @Test func dataOffsetsPastTheEndOrMisalignedAreRejected() throws {
        Self.expectFailure(try Self.patched(166, UInt64(1) << 20), mentioning: "past the end")
        Self.expectFailure(try Self.patched(166, UInt64.max), mentioning: "past the end")
        Self.expectFailure(try Self.patched(166, UInt64(32)), mentioning: "runs past the end")
        Self.expectFailure(try Self.patched(166, UInt64(4)), mentioning: "alignment")
        Self.expectFailure(Array(try Self.validFile()[0 ..< 300]), mentioning: "runs past the end")
    }

    @Test func alignmentThatIsNotAPowerOfTwoIsRejected() throws {
        var writer = GGUFWriter(alignment: 64)
        try writer.addTensor(name: "t", dimensions: [4], values: [1, 2, 3, 4], type: .f32)
        let url = temporaryURL("aligned.gguf")
        try writer.write(to: url)
        var bytes = Array(try Data(contentsOf: url))
        let key = Array("general.alignment".utf8)
        let start = try #require((0 ..< bytes.count - key.count).first { Array(bytes[$0 ..< $0 + key.count]) == key })
        for bad: UInt32 in [0, 3, 48] {
            withUnsafeBytes(of: bad.littleEndian) { bytes.replaceSubrange(start + key.count + 4 ..< start + key.count + 8, with: $0) }
            Self.expectFailure(bytes, mentioning: "general.alignment")
        }
    }

    @Test func arraysNestedTooDeeplyAreRejected() throws {
        var value = GGUFValue.array([.int32(1)])
        for _ in 0 ..< 40 { value = .array([value]) }
        var writer = GGUFWriter()
        writer.set("deep", value)
        let url = temporaryURL("deep.gguf")
        try writer.write(to: url)
        Self.expectFailure(Array(try Data(contentsOf: url)), mentioning: "deeper")
    }

    @Test func booleanOtherThanZeroOrOneIsRejected() throws {
        var writer = GGUFWriter()
        writer.set("flag", .bool(true))
        let url = temporaryURL("bool.gguf")
        try writer.write(to: url)
        var bytes = Array(try Data(contentsOf: url))
        bytes[24 + 8 + 4 + 4] = 7
        Self.expectFailure(bytes, mentioning: "flag")
    }

    @Test func emptyFileAndDirectoryAndMissingFileAreCleanErrors() throws {
        Self.expectFailure([], mentioning: "magic")
        #expect(throws: GGUFError.self) { try GGUFFile(url: FileManager.default.temporaryDirectory) }
        #expect(throws: GGUFError.self) { try GGUFFile(url: URL(fileURLWithPath: "/no/such/model.gguf")) }
    }
}
