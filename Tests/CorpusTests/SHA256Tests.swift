import Corpus
import Foundation
import TestSupport
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST example vectors, including messages that end at and across block boundaries.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func digestMatchesTheStandardVectors(message: String, digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    @Test func millionAsInPiecesMatchesTheStandardVector() {
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(piece) }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileDigestEqualsTheDigestOfItsBytes() throws {
        let url = Fixtures.url("tiny-llama.gguf")
        #expect(try SHA256.hexOfFile(atPath: url.path) == SHA256.hex(try Data(contentsOf: url)))
        #expect(throws: CorpusError.self) { try SHA256.hexOfFile(atPath: "/no/such/model.gguf") }
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil, "needs the SmolLM2 model (make setup)"))
    func modelFileDigestIsThePublishedSHA256() throws {
        let model = try #require(Fixtures.smolLM2)
        let start = Date()
        let digest = try SHA256.hexOfFile(atPath: model.path)
        let seconds = Date().timeIntervalSince(start)
        #expect(digest == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        let megabytes = Double(try FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int ?? 0) / 1e6
        print("SHA-256 of \(model.lastPathComponent): \(String(format: "%.0f", megabytes / seconds)) MB/s")
    }

    @Test func generationKeysDifferWhenAnyFieldMoves() {
        let base = SHA256.generationKey(modelSHA256: "m", adapterSHA256: nil, decodingJSON: "{}", prompt: "p")
        #expect(base.count == 64)
        #expect(base == SHA256.generationKey(modelSHA256: "m", adapterSHA256: nil, decodingJSON: "{}", prompt: "p"))
        #expect(base != SHA256.generationKey(modelSHA256: "m", adapterSHA256: "a", decodingJSON: "{}", prompt: "p"))
        #expect(base != SHA256.generationKey(modelSHA256: "m", adapterSHA256: nil, decodingJSON: "{}", prompt: "p "))
        // Length prefixes keep a field's text from sliding into the next one.
        #expect(SHA256.generationKey(modelSHA256: "m", adapterSHA256: "", decodingJSON: "a\nb", prompt: "")
                != SHA256.generationKey(modelSHA256: "m", adapterSHA256: "", decodingJSON: "a", prompt: "b"))
    }
}
