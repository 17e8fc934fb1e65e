import Testing
import Tokenizer

/// When two ids spell the same text, byte-level BPE gives the first (HF tokenizers' vocabulary map
/// and the `[String: Int]` it used to keep), while decoding knows both.
struct SharedTokenTextTests {
    // "a" twice (ids 0 and 3); "ab" made by the one merge.
    static let vocabulary = TokenizerVocabulary(tokens: ["a", "b", "ab", "a"], merges: ["a b"], model: "gpt2", pre: "gpt2")

    @Test func aTextTwoIdsShareEncodesAsTheFirstInBytesAndMerges() throws {
        let tokenizer = try TextTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.encode("a", parseSpecial: false) == [0])
        #expect(tokenizer.encode("ab", parseSpecial: false) == [2])
        #expect(tokenizer.encode("ba", parseSpecial: false) == [1, 0])
        #expect(tokenizer.decode([3]) == "a")
    }
}
