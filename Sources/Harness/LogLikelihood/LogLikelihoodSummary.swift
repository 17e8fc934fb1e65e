import Foundation

/// What `tollgate eval --kind multiple_choice|perplexity` prints and `--json` writes.
public struct LogLikelihoodSummary: Codable, Sendable {
    public var evaluationID: Int64 = 0
    public var kind: LogLikelihoodSet.Kind
    public var model: String
    public var modelSHA256: String
    public var adapter: String?
    public var dataset: String
    public var datasetSHA256: String
    public var examples: Int
    /// "left" when contexts over the model's context were cut (recorded with the evaluation).
    public var truncation: String?
    /// acc and acc_norm (percentages with intervals), or token_perplexity, bits_per_byte, word_perplexity.
    public var metrics: [LogLikelihoodMetric] = []
    /// Context tokens computed (once per item) and continuation tokens scored (per choice).
    public var contextTokens: Int
    public var continuationTokens: Int
    public var scoringSeconds: Double
    public var wallSeconds: Double
    /// Multiple-choice sets: every item's choices' log-likelihoods and picks.
    public var results: [MultipleChoiceResult]? = nil
    /// Perplexity sets: every text's log-likelihood.
    public var perplexity: [PerplexityItem]? = nil

    /// Continuation tokens per second of scoring (contexts computed once per item are not counted).
    public var continuationTokensPerSecond: Double { scoringSeconds > 0 ? Double(continuationTokens) / scoringSeconds : 0 }

    public func metric(_ name: String) -> LogLikelihoodMetric? { metrics.first { $0.metric == name } }

    enum CodingKeys: String, CodingKey {
        case evaluationID = "evaluation_id", kind, model, modelSHA256 = "model_sha256", adapter, dataset
        case datasetSHA256 = "dataset_sha256", examples, truncation, metrics, contextTokens = "context_tokens"
        case continuationTokens = "continuation_tokens", scoringSeconds = "scoring_seconds", wallSeconds = "wall_seconds"
        case results, perplexity
    }
}
