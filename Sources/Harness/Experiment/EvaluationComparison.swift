import Foundation
import Gate
import Metrics
import Reports
import Store

/// A baseline and a candidate evaluation of the same holdout set, read back from the store and
/// set side by side: what the gate decides on and what the report shows.
public struct EvaluationComparison: Sendable {
    public var evalSet: String
    public var comparisons: [MetricComparison]
    /// The candidate's 95% bootstrap interval per metric.
    public var intervals: [String: Interval]
    /// The baseline's, from the same paired resamples.
    public var baselineIntervals: [String: Interval]
    public var baselineServing: ServingFigures
    public var candidateServing: ServingFigures
    public var regressed: [ExampleChange]
    public var improved: [ExampleChange]
    public var signatures: [String]
    public var exampleCount: Int
    /// Per metric, the smallest drop this holdout could detect (at the metric's significance, 80% power).
    public var detectable: [String: DetectableEffect] = [:]
    /// Per-label precision, recall and F1 when the references form a small label set.
    public var labels: LabelComparison?

    /// Compares two stored evaluations metric by metric. Examples are paired by index, so both must
    /// come from the same dataset; p-values are sacrebleu's paired bootstrap (1,000 resamples) over
    /// the stored outputs, and beside them the one-sided worsening p-value the gate tests
    /// (`PairedDifference`, the same resamples). The minimum detectable effect of each metric is taken at
    /// `significance[metric]` (0.05 when absent).
    public static func load(store: TollgateStore, evalSet: String, baselineID: Int64, candidateID: Int64,
                            metrics: [MetricKind], significance: [String: Double] = [:]) throws -> EvaluationComparison {
        let normalize = try storedNormalization(store: store, evaluationID: candidateID)
        var baseline = try store.predictions(evaluationID: baselineID).sorted { $0.exampleIndex < $1.exampleIndex }
        var candidate = try store.predictions(evaluationID: candidateID).sorted { $0.exampleIndex < $1.exampleIndex }
        try Retention.requireText([(baselineID, baseline), (candidateID, candidate)], store: store.path)
        if baseline.map(\.exampleIndex) != candidate.map(\.exampleIndex) {
            // Examples an endpoint left unanswered (within max_error_rate) are left out of both
            // sides, so the paired tests compare the same examples; any other difference is an error.
            let unanswered = Set(try store.requestFailures(evaluationID: baselineID).map(\.exampleIndex)
                                 + store.requestFailures(evaluationID: candidateID).map(\.exampleIndex))
            let common = Set(baseline.map(\.exampleIndex)).intersection(candidate.map(\.exampleIndex))
            let missing = Set(baseline.map(\.exampleIndex)).union(candidate.map(\.exampleIndex)).subtracting(common)
            guard !unanswered.isEmpty, missing.isSubset(of: unanswered) else {
                throw ComparisonError.differentExamples(evalSet: evalSet, baseline: baselineID, candidate: candidateID,
                                                        baselineCount: baseline.count, candidateCount: candidate.count)
            }
            baseline.removeAll { !common.contains($0.exampleIndex) }
            candidate.removeAll { !common.contains($0.exampleIndex) }
        }
        let references = candidate.map(\.references)
        var comparisons: [MetricComparison] = []
        var intervals: [String: Interval] = [:], baselineIntervals: [String: Interval] = [:]
        var signatures: [String] = []
        var detectable: [String: DetectableEffect] = [:]
        for kind in metrics {
            let metric = PredictionScoring.metric(kind, normalize: normalize, references: references)
            let baseTable = try metric.statistics(hypotheses: baseline.map(\.output), segmentReferences: references)
            let candidateTable = try metric.statistics(hypotheses: candidate.map(\.output), segmentReferences: references)
            // Identical statistics differ by nothing: p = 1 (sacrebleu's resampling would report 1/(n+1)).
            let identical = baseTable == candidateTable
            var paired = baseline.isEmpty ? nil : pairedBootstrap(metric: metric, baseline: baseTable, system: candidateTable)
            if identical { paired?.pValue = 1 }
            let score = metric.corpusScore(statistics: candidateTable, referenceSets: BLEU.referenceSetCount(references))
            let difference = pairedDifference(metric: metric, baseline: baseTable, system: candidateTable)
            comparisons.append(MetricComparison(evalSet: evalSet, metric: kind.rawValue,
                                                baseline: metric.score(totals: baseTable.totals()),
                                                candidate: score.score, pValue: paired?.pValue,
                                                worseningPValue: baseline.isEmpty ? nil : difference.worseningPValue))
            if let ci = paired?.systemCI { intervals[kind.rawValue] = Interval(low: ci.low, high: ci.high) }
            if let ci = paired?.baselineCI { baselineIntervals[kind.rawValue] = Interval(low: ci.low, high: ci.high) }
            signatures.append("\(kind.rawValue): \(score.signature)")
            detectable[kind.rawValue] = detectableEffect(difference, examples: candidate.count,
                                                         significance: significance[kind.rawValue] ?? 0.05)
        }
        let changes = exampleChanges(evalSet: evalSet, baseline: baseline, candidate: candidate, metric: metrics.first,
                                     words: ExampleWords.byIndex(store: store, evaluationID: candidateID))
        var comparison = EvaluationComparison(
            evalSet: evalSet, comparisons: comparisons, intervals: intervals, baselineIntervals: baselineIntervals,
            baselineServing: try serving(store: store, evaluationID: baselineID),
            candidateServing: try serving(store: store, evaluationID: candidateID),
            regressed: changes.regressed, improved: changes.improved, signatures: signatures, exampleCount: candidate.count)
        comparison.detectable = detectable
        if let labels = LabelSet.detect(references, normalize: normalize) {
            comparison.labels = LabelComparison(
                baseline: ClassificationReport(predictions: baseline.map(\.output), references: references, labels: labels, normalize: normalize),
                candidate: ClassificationReport(predictions: candidate.map(\.output), references: references, labels: labels, normalize: normalize))
        }
        return comparison
    }

    /// The exact-match normalisation an evaluation was scored with, read from its stored
    /// signature (`norm:squad`); `strip`, the eval default, when it computed no exact match.
    static func storedNormalization(store: TollgateStore, evaluationID: Int64) throws -> AnswerNormalization {
        for row in try store.metrics(evaluationID: evaluationID) {
            for part in row.signature.split(separator: "|") where part.hasPrefix("norm:") {
                if let normalization = AnswerNormalization(rawValue: String(part.dropFirst(5))) { return normalization }
            }
        }
        return .strip
    }

    /// Latency and cost as the evaluator recorded them.
    static func serving(store: TollgateStore, evaluationID: Int64) throws -> ServingFigures {
        let rows = Dictionary(try store.metrics(evaluationID: evaluationID).map { ($0.metric, $0.value) }) { $1 }
        return ServingFigures(p50LatencySeconds: rows[EvaluationSummary.latencyP50Metric],
                              p95LatencySeconds: rows[EvaluationSummary.latencyP95Metric],
                              costPerThousandRequests: rows[EvaluationSummary.costMetric],
                              p50TimeToFirstTokenSeconds: rows[EvaluationSummary.ttftP50Metric],
                              p95TimeToFirstTokenSeconds: rows[EvaluationSummary.ttftP95Metric],
                              errorRate: rows[EvaluationSummary.errorRateMetric])
    }

    /// Examples whose per-example score fell (regressed) or rose (improved), largest change first.
    /// Rows show the example's own words (`words`, by example index) and keep the rendered prompt.
    static func exampleChanges(evalSet: String, baseline: [PredictionRecord], candidate: [PredictionRecord],
                               metric: MetricKind?, words: [Int: String] = [:]) -> (regressed: [ExampleChange], improved: [ExampleChange]) {
        guard let metric else { return ([], []) }
        var changes: [(delta: Double, change: ExampleChange)] = []
        for (before, after) in zip(baseline, candidate) {
            let old = before.scores[metric.rawValue] ?? 0, new = after.scores[metric.rawValue] ?? 0
            guard old != new else { continue }
            changes.append((new - old, ExampleChange(
                id: after.exampleID ?? "#\(after.exampleIndex)", evalSet: evalSet, prompt: words[after.exampleIndex] ?? after.prompt,
                reference: after.references.first ?? "", baselineOutput: before.output, candidateOutput: after.output,
                baselineScore: old, candidateScore: new, renderedPrompt: after.prompt)))
        }
        let regressed = changes.filter { $0.delta < 0 }.sorted { $0.delta < $1.delta }.map(\.change)
        let improved = changes.filter { $0.delta > 0 }.sorted { $0.delta > $1.delta }.map(\.change)
        return (regressed, improved)
    }
}

public enum ComparisonError: LocalizedError, Equatable {
    case differentExamples(evalSet: String, baseline: Int64, candidate: Int64, baselineCount: Int, candidateCount: Int)

    public var errorDescription: String? {
        switch self {
        case let .differentExamples(evalSet, baseline, candidate, baselineCount, candidateCount):
            return "evaluations \(baseline) (\(baselineCount) examples) and \(candidate) (\(candidateCount) examples) of "
                + "\(evalSet) do not cover the same examples; compare evaluations of the same dataset and --limit"
        }
    }
}
