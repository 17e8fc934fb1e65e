import Foundation
import Testing
import TestSupport
import Tokenizer

/// Deterministic generator so a failing case can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct TokenizerPropertyTests {
    /// Scalars from every class the pre-tokenizers distinguish, plus special-token texts.
    static let alphabet: [String] = [
        "a", "Z", "é", "ß", "日", "한", "ب", "я", "7", "²", "٣", "Ⅻ", " ", "  ", "\t", "\n", "\r\n", "\u{A0}",
        "\u{3000}", "\u{2028}", "\u{85}", "\u{200B}", "'", "'s", "'LL", "!", "?", ".", "(", "\"", "😀", "👍🏽",
        "\u{301}", "e\u{301}", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im", "<", "the", " the", "123456",
    ]

    static func randomText(_ generator: inout SplitMix64) -> String {
        let length = Int.random(in: 0...40, using: &generator)
        return (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
    }

    @Test(arguments: ["smollm", "gpt2", "llama-bpe", "qwen2"])
    func decodeOfEncodeIsIdentityForRandomText(pre: String) throws {
        let tokenizer = try TextTokenizer(vocabulary: SmolLM2Tokenizer.vocabulary(pre: pre))
        var generator = SplitMix64(state: 2026)
        for _ in 0..<500 {
            let text = Self.randomText(&generator)
            #expect(tokenizer.decode(tokenizer.encode(text)) == text, "\(text.debugDescription)")
            #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text, "\(text.debugDescription)")
        }
    }

    @Test func streamingChunksJoinToDecodeForRandomIDSequences() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        var generator = SplitMix64(state: 7)
        for _ in 0..<300 {
            let ids = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                Int.random(in: 0..<tokenizer.vocabularySize, using: &generator)
            }
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var joined = ids.map { decoder.append($0) }.joined()
            joined += decoder.finish()
            #expect(joined == tokenizer.decode(ids), "\(ids)")
        }
    }

    @Test func specialTokensInsideWordsAreSplitOff() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = tokenizer.encode("abc<|im_end|>def<|im_end|")
        #expect(ids.filter { $0 == 2 }.count == 1)
        #expect(tokenizer.decode(ids) == "abc<|im_end|>def<|im_end|")
        #expect(Array(ids.prefix(while: { $0 != 2 })) == tokenizer.encode("abc"))
    }

    @Test func concurrentEncodingGivesTheSameIDs() throws {
        let tokenizer = try TextTokenizer(vocabulary: SmolLM2Tokenizer.vocabulary(pre: "smollm"))
        let cases = TokenizerCase.all
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<20 {
                let testCase = cases[(worker * 7 + round) % cases.count]
                if tokenizer.encode(testCase.text) != testCase.ids { failures.add(testCase.text) }
            }
        }
        #expect(failures.texts.isEmpty)
    }
}

private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    func add(_ text: String) { lock.lock(); collected.append(text); lock.unlock() }
    var texts: [String] { lock.lock(); defer { lock.unlock() }; return collected }
}
