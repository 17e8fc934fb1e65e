import Foundation
import Testing
import Harness

/// lm-eval's `_encode_pair` on a toy tokenizer whose merges can span the join: words are tokens,
/// and a space sticks to the word after it (as byte-level BPE does with "Ġ").
@Suite struct ContinuationSplitTests {
    /// "a b" → ["a", " b"]; "ab" is one token; BOS (id 1) first when `bos`.
    static func toy(bos: Bool) -> ContinuationSplit {
        @Sendable func words(_ text: String) -> [Int] {
            var tokens: [String] = [], current = ""
            for character in text {
                if character == " " && !current.isEmpty && current != " " { tokens.append(current); current = "" }
                current.append(character)
            }
            if !current.isEmpty { tokens.append(current) }
            return tokens.map { abs($0.hashValue % 10_000) + 10 }
        }
        return ContinuationSplit(encode: { (bos ? [1] : []) + words($0) }, encodeWithoutBOS: words,
                                 bosID: 1, eosID: 2, addsBOS: bos)
    }

    func item(_ context: String, _ choices: [String], delimiter: String = " ") -> MultipleChoiceItem {
        MultipleChoiceItem(id: "x", context: context, choices: choices, label: 0, targetDelimiter: delimiter)
    }

    @Test func theDelimiterBelongsToTheContinuation() throws {
        let split = Self.toy(bos: false)
        let encoded = try split.split(item("Question: sky?\nAnswer:", ["blue", "green light"]))
        #expect(encoded.context == split.encode("Question: sky?\nAnswer:"))
        #expect(encoded.continuations[0] == split.encode(" blue"))
        #expect(encoded.continuations[1] == split.encode(" green light"))
    }

    @Test func trailingWhitespaceOfTheContextMovesToTheContinuation() throws {
        let split = Self.toy(bos: false)
        let encoded = try split.split(item("Answer: ", ["blue"], delimiter: ""))
        #expect(encoded.context == split.encode("Answer:"))
        #expect(encoded.continuations[0] == split.encode(" blue"))
        #expect(ContinuationSplit.movingTrailingWhitespace("a \n\t") == ("a", " \n\t"))
        #expect(ContinuationSplit.movingTrailingWhitespace("a") == ("a", ""))
    }

    @Test func aTokenSpanningTheJoinIsAnErrorNamingTheExample() {
        // "Ans" + "wer" encodes as one word: the continuation would have no tokens (lm-eval's assertion).
        let split = Self.toy(bos: false)
        #expect(throws: LogLikelihoodError.emptyContinuation(example: "x", choice: 0, context: "Ans", continuation: "wer")) {
            try split.split(item("Ans", ["wer", " x"], delimiter: ""))
        }
    }

    @Test func aBOSWrittenInTheTextIsAnError() {
        // The toy encoder maps nothing to id 1 from text, so fake a tokenizer that parses "<s>" as BOS.
        let parsing = ContinuationSplit(encode: { $0.hasPrefix("<s>") ? [1, 50] : [50] }, encodeWithoutBOS: { _ in [50] },
                                        bosID: 1, eosID: 2, addsBOS: false)
        #expect(throws: LogLikelihoodError.self) { try parsing.split(item("<s>Hello", ["a", "b"])) }
        let doubled = ContinuationSplit(encode: { $0.hasPrefix("<s>") ? [1, 1, 50, 51] : [1, 50, 51] }, encodeWithoutBOS: { _ in [50] },
                                        bosID: 1, eosID: 2, addsBOS: true)
        #expect(throws: LogLikelihoodError.self) { try doubled.split(item("<s>Hello", ["a", "b"])) }
    }

    @Test func bosIsKeptOnceWhenTheTokenizerAddsIt() throws {
        let split = Self.toy(bos: true)
        let encoded = try split.split(item("The sky is", ["blue", "red"]))
        #expect(encoded.context.first == 1)
        #expect(encoded.continuations[0] == split.encodeWithoutBOS(" blue"))
    }

    @Test func anEmptyContextStartsWithThePrefixToken() throws {
        let encoded = try Self.toy(bos: false).split(item("", ["blue", "red"]))
        #expect(encoded.context == [1])
        #expect(encoded.continuations[0] == Self.toy(bos: false).encodeWithoutBOS(" blue"))
    }
}
