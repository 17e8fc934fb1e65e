import Foundation
import Testing
import Harness

/// lm-eval's `get_rolling_token_windows(tokens, prefix_token, max_seq_len, context_len=1)`: every
/// token predicted exactly once, the first after the prefix token, each window at most max_seq_len.
@Suite struct RollingWindowsTests {
    /// Characters are tokens: "abc" → [97, 98, 99]; BOS 1.
    static let split = ContinuationSplit(encode: { [1] + $0.unicodeScalars.map { Int($0.value) } },
                                         encodeWithoutBOS: { $0.unicodeScalars.map { Int($0.value) } },
                                         bosID: 1, eosID: 2, addsBOS: true)

    @Test func aShortTextIsOneWindowAfterThePrefixToken() throws {
        let windows = try RollingWindows.item(id: "t", text: "abc", split: Self.split, maxLength: 8)
        #expect(windows == [EncodedItem(context: [1], continuations: [[97, 98, 99]])])
    }

    @Test func aLongTextIsCutIntoWindowsThatReReadTheTokensBefore() throws {
        // 10 tokens, windows of 4: predict 0..<4 after [prefix]; then 4..<8 after tokens 1...3 (input
        // tokens[3..<7] predicts tokens[4..<8]); then 8..<10 after tokens[5..<8].
        let text = "abcdefghij"
        let t = text.unicodeScalars.map { Int($0.value) }
        let windows = try RollingWindows.item(id: "t", text: text, split: Self.split, maxLength: 4)
        #expect(windows.count == 3)
        #expect(windows[0] == EncodedItem(context: [1], continuations: [Array(t[0..<4])]))
        #expect(windows[1] == EncodedItem(context: [t[3]], continuations: [Array(t[4..<8])]))
        #expect(windows[2] == EncodedItem(context: Array(t[5..<8]), continuations: [Array(t[8..<10])]))
        for window in windows { #expect(window.context.count + window.continuations[0].count - 1 <= 4) }
        #expect(windows.flatMap { $0.continuations[0] } == t)
    }

    @Test func perplexityFiguresComeFromTheSummedLogLikelihood() {
        let texts = [(id: "a", text: "ab cd"), (id: "b", text: "é")]
        let scores = [[ContinuationScore(logLikelihood: -4, isGreedy: false, tokens: 3)],
                      [ContinuationScore(logLikelihood: -2, isGreedy: false, tokens: 1)]]
        let summary = RollingWindows.summary(texts: texts, scores: scores)
        let byName = Dictionary(uniqueKeysWithValues: summary.metrics.map { ($0.metric, $0.score) })
        #expect(abs(byName["token_perplexity"]! - exp(6.0 / 4)) < 1e-12)
        #expect(abs(byName["bits_per_byte"]! - 6.0 / 7 / log(2)) < 1e-12)  // "ab cd" 5 bytes + "é" 2
        #expect(abs(byName["word_perplexity"]! - exp(6.0 / 3)) < 1e-12)
    }
}
