import Corpus
import Foundation
import TestSupport
import Testing

/// A model folder's identity: its model files' digests, so a changed shard is a changed model, a
/// README is not, and the folder differs from its own GGUF conversion.
struct ModelFolderDigestTests {
    @Test func aChangedShardChangesTheDigestAndAReadmeDoesNot() throws {
        let folder = Fixtures.url("families/llama3/hf")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-digest-\(UUID())")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: folder, to: copy)
        let original = try #require(try ModelFolderDigest.hex(atPath: copy.path))
        #expect(original == (try SHA256.hexOfFile(atPath: folder.path)))
        #expect(original != (try SHA256.hexOfFile(atPath: Fixtures.url("families/llama3/model.gguf").path)))
        try Data("notes".utf8).write(to: copy.appendingPathComponent("README.md"))
        #expect(try ModelFolderDigest.hex(atPath: copy.path) == original)
        let shard = copy.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: shard)
        #expect(try ModelFolderDigest.hex(atPath: copy.path) != original)
        #expect(try ModelFolderDigest.hex(atPath: Fixtures.url("families/llama3/model.gguf").path) == nil)
    }
}
