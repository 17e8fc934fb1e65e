import Foundation
import Store

/// lm-eval's `loglikelihood_rolling` for perplexity sets: the text's tokens (no BOS) predicted
/// after the prefix token (BOS, else EOS), in windows of at most the model's context
/// (`get_rolling_token_windows` with context_len 1: each later window re-reads the tokens before
/// it, up to the context, and predicts only its new ones). The windows of one text are the
/// "choices" of one item, each with its own context, so the scorer's one-call machinery serves.
public enum RollingWindows {
    /// The text's windows as one encoded item whose continuations are scored one after another.
    /// A text of n tokens over a context of L gives ⌈n / L⌉ windows.
    public static func item(id: String, text: String, split: ContinuationSplit, maxLength: Int) throws -> [EncodedItem] {
        let tokens = split.encodeWithoutBOS(text)
        guard !tokens.isEmpty, let prefix = split.bosID ?? split.eosID else { throw LogLikelihoodError.emptyText(example: id) }
        var windows: [EncodedItem] = []
        var predicted = 0
        while predicted < tokens.count {
            let end = min(predicted + maxLength, tokens.count)
            let input = ([prefix] + tokens)[max(0, end - maxLength)..<end]  // the window's input, shifted by one
            let newCount = end - predicted
            let inputTokens = Array(input)
            // inputs[i] predicts tokens[end - inputs.count + i]; the context is the part whose predictions are not new.
            let contextCount = inputTokens.count - newCount + 1
            windows.append(EncodedItem(context: Array(inputTokens[0..<contextCount]),
                                       continuations: [Array(tokens[predicted..<end])]))
            predicted = end
        }
        return windows
    }

    /// Per-text sums and the set's token perplexity, bits per byte and word perplexity (lm-eval's
    /// wikitext metrics: weighted by the set's total tokens, bytes and words).
    public static func summary(texts: [(id: String, text: String)], scores: [[ContinuationScore]]) -> PerplexitySummary {
        var items: [PerplexityItem] = [], rows: [PredictionRecord] = []
        var totalLL = 0.0, totalTokens = 0, totalBytes = 0, totalWords = 0
        for (index, (text, windows)) in zip(texts, scores).enumerated() {
            let ll = windows.reduce(0) { $0 + $1.logLikelihood }
            let tokens = windows.reduce(0) { $0 + $1.tokens }
            let bytes = text.text.utf8.count
            let words = text.text.split(whereSeparator: { $0.isWhitespace }).count
            items.append(PerplexityItem(id: text.id, logLikelihood: ll, tokens: tokens, bytes: bytes, words: words))
            rows.append(PredictionRecord(evaluationID: 0, exampleIndex: index, exampleID: text.id, prompt: text.text, output: "",
                                         references: [], scores: ["loglik": ll, "tokens": Double(tokens), "bytes": Double(bytes)],
                                         latencySeconds: 0, promptTokens: tokens, completionTokens: 0))
            totalLL += ll; totalTokens += tokens; totalBytes += bytes; totalWords += words
        }
        let metrics = [
            LogLikelihoodMetric(metric: "token_perplexity", score: exp(-totalLL / Double(max(1, totalTokens)))),
            LogLikelihoodMetric(metric: "bits_per_byte", score: -totalLL / Double(max(1, totalBytes)) / log(2)),
            LogLikelihoodMetric(metric: "word_perplexity", score: exp(-totalLL / Double(max(1, totalWords)))),
        ]
        return PerplexitySummary(items: items, rows: rows, metrics: metrics)
    }
}

/// One text of a perplexity set.
public struct PerplexityItem: Codable, Sendable, Equatable {
    public var id: String
    public var logLikelihood: Double
    public var tokens: Int
    public var bytes: Int
    public var words: Int
    enum CodingKeys: String, CodingKey { case id, logLikelihood = "loglik", tokens, bytes, words }
}

public struct PerplexitySummary {
    public var items: [PerplexityItem]
    public var rows: [PredictionRecord]
    public var metrics: [LogLikelihoodMetric]
}
