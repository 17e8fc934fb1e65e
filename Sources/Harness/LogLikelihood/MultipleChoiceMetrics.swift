import Foundation
import Metrics
import Store

/// A mean over examples (acc, acc_norm, as a percentage) with its bootstrap 95% interval, and the
/// store row of one multiple-choice item.
public enum MultipleChoiceMetrics {
    /// `values` are 0/1 per example; the score and interval are percentages (as `em` is), the
    /// interval the percentile bootstrap of `resamples` resampled sets (seed 12345, sacrebleu's).
    public static func summary(_ metric: String, values: [Double], resamples: Int) -> LogLikelihoodMetric {
        let exact = ExactMatch(ExactMatchOptions(normalize: .exact))
        let table = SegmentStatistics(width: 2, values: values.flatMap { [$0, 1] })
        let score = exact.score(totals: table.totals())
        let ci = resamples > 0 ? bootstrapCI(metric: exact, statistics: table, resamples: resamples) : nil
        return LogLikelihoodMetric(metric: metric, score: score, ciLow: ci?.low, ciHigh: ci?.high)
    }

    /// The item's prediction row: output = the index acc picked, reference = the gold index (so
    /// exact match over the rows is acc), scores = acc, acc_norm, is_greedy and `loglik:K` per choice.
    static func row(item: MultipleChoiceItem, result: MultipleChoiceResult, index: Int) -> PredictionRecord {
        var scores: [String: Double] = ["acc": result.acc, "acc_norm": result.accNorm,
                                        "is_greedy": result.goldIsGreedy ? 1 : 0,
                                        "prediction_norm": Double(result.normalizedPrediction)]
        for (k, choice) in result.choices.enumerated() { scores["loglik:\(k)"] = choice.logLikelihood }
        return PredictionRecord(evaluationID: 0, exampleIndex: index, exampleID: item.id, prompt: item.context,
                                output: String(result.prediction), references: [String(item.label)], scores: scores,
                                latencySeconds: 0, promptTokens: 0, completionTokens: result.choices.reduce(0) { $0 + $1.tokens })
    }
}

/// One metric of a log-likelihood evaluation.
public struct LogLikelihoodMetric: Codable, Sendable, Equatable {
    public var metric: String
    public var score: Double
    public var ciLow: Double?
    public var ciHigh: Double?

    enum CodingKeys: String, CodingKey { case metric, score, ciLow = "ci_low", ciHigh = "ci_high" }
}
