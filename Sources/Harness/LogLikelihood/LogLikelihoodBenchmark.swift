import Foundation
import Llama

/// bench's "eval, log-likelihood" line: HellaSwag-shaped items (a context of `contextTokens`, four
/// choices of `choiceTokens`) scored with each context computed once for its choices, beside the
/// same items scored the way lm-eval's HF backend does — every (context + choice) sequence whole,
/// one at a time — measured in the same run on the same model.
public struct LogLikelihoodBenchFigures: Codable, Sendable {
    public var items: Int
    public var contextTokens: Int
    public var choices: Int
    public var choiceTokens: Int
    /// Continuation tokens scored per second, contexts shared.
    public var continuationTokensPerSecond: Double
    /// The same, every choice computed with its whole context.
    public var wholeSequenceContinuationTokensPerSecond: Double
    public var speedup: Double { wholeSequenceContinuationTokensPerSecond > 0 ? continuationTokensPerSecond / wholeSequenceContinuationTokensPerSecond : 0 }

    enum CodingKeys: String, CodingKey {
        case items, contextTokens = "context_tokens", choices, choiceTokens = "choice_tokens"
        case continuationTokensPerSecond = "continuation_tokens_per_second"
        case wholeSequenceContinuationTokensPerSecond = "whole_sequence_continuation_tokens_per_second"
    }

    /// Fixed pseudo-random tokens (seeded), so every run scores the same items; the faster of two
    /// passes counts (other processes on the cores slow single passes).
    public static func measure(modelURL: URL, items: Int = 16, contextTokens: Int = 64, choices: Int = 4,
                               choiceTokens: Int = 16) throws -> LogLikelihoodBenchFigures {
        let model = try LlamaModel.load(url: modelURL)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func token() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 3 + Int((state >> 33) % UInt64(model.config.vocabSize - 3))
        }
        let encoded = (0..<items).map { _ in
            EncodedItem(context: (0..<contextTokens).map { _ in token() },
                        continuations: (0..<choices).map { _ in (0..<choiceTokens).map { _ in token() } })
        }
        let continuationTokens = Double(items * choices * choiceTokens)
        var shared = Double.infinity, whole = Double.infinity
        for _ in 0..<2 {
            var started = Date()
            _ = try LogLikelihoodScorer(model: model).score(encoded)
            shared = min(shared, Date().timeIntervalSince(started))
            started = Date()
            for item in encoded {
                for continuation in item.continuations {
                    // One sequence per call with no shared context, as lm-eval's HF backend at batch size 1.
                    _ = try LogLikelihoodScorer(model: model, itemsPerCall: 1)
                        .score([EncodedItem(context: item.context, continuations: [continuation])])
                }
            }
            whole = min(whole, Date().timeIntervalSince(started))
        }
        return LogLikelihoodBenchFigures(items: items, contextTokens: contextTokens, choices: choices, choiceTokens: choiceTokens,
                                         continuationTokensPerSecond: continuationTokens / shared,
                                         wholeSequenceContinuationTokensPerSecond: continuationTokens / whole)
    }
}
