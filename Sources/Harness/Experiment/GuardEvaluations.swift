import Foundation
import Gate
import Metrics
import Reports
import Store

/// The forgetting guard of an experiment: eval sets of `kind: multiple_choice` (HellaSwag, PIQA, …)
/// scored by log-likelihood on the baseline and the chosen checkpoint only, and compared with the
/// same paired statistics as every other eval set, so "general ability did not drop" is a gate rule
/// like any other (`acc: {max_drop: 2, significance: 0.05}`, Holm-corrected with the rest).
public enum GuardEvaluations {
    /// The metrics a multiple-choice set computes.
    public static let metrics = ["acc", "acc_norm"]

    /// Which rules each eval set is gated by when the experiment has guards: a guard by its acc /
    /// acc_norm rules, a generation set by every rule but those; nil without guards (every rule on
    /// every set, as before).
    static func ruleScopes(_ experiment: ExperimentFile) -> [String: Set<String>]? {
        guard experiment.evalSets.contains(where: \.isGuard) else { return nil }
        let ruleMetrics = Set(experiment.gates.map(\.metric))
        return Dictionary(uniqueKeysWithValues: experiment.evalSets.map { plan in
            (plan.name, plan.isGuard ? Set(plan.metrics) : ruleMetrics.subtracting(metrics))
        })
    }

    /// Scores one guard set for the run; returns the evaluation id and the summary.
    static func evaluate(_ plan: EvalSetPlan, experiment: ExperimentFile, model: String, adapter: String?,
                         store: TollgateStore, runID: Int64) throws -> LogLikelihoodSummary {
        guard experiment.endpoint(for: model) == nil else {
            throw LogLikelihoodError.badLine(path: plan.dataset, line: 1, reason:
                "eval set \(plan.name) is kind multiple_choice but the model is an endpoint; score guards with a local GGUF model")
        }
        var request = LogLikelihoodRequest(modelPath: model, adapterPath: adapter, dataPath: plan.dataset, kind: .multipleChoice)
        request.storePath = store.path
        request.limit = plan.limit
        request.truncation = plan.truncation.flatMap(ContextTruncation.init(rawValue:))
        request.runID = runID
        request.experiment = experiment.name
        return try LogLikelihoodEvaluator.run(request)
    }

    /// "baseline on hellaswag/guard-200: acc 38.50 [31.5, 45.0], acc_norm 41.00 (200 items, 1,240 continuation tokens/s)".
    static func logLine(role: String, plan: EvalSetPlan, summary: LogLikelihoodSummary) -> String {
        let metrics = summary.metrics.map { m in
            "\(m.metric) " + String(format: "%.2f", m.score) + (m.ciLow.map { String(format: " [%.1f, %.1f]", $0, m.ciHigh ?? $0) } ?? "")
        }.joined(separator: ", ")
        return "\(role) on \(plan.name) (guard, log-likelihood): \(metrics) (\(summary.examples) items, "
            + String(format: "%.0f continuation tokens/s)", summary.continuationTokensPerSecond)
    }
}

extension EvaluationComparison {
    /// Compares two stored log-likelihood evaluations of the same multiple-choice set on `metrics`
    /// (acc, acc_norm): each example's stored 0/1 score is the statistic row of a percentage, so the
    /// paired bootstrap, the one-sided worsening p-value and the detectable drop are exactly those
    /// the generation sets get (`load`).
    static func loadGuard(store: TollgateStore, evalSet: String, baselineID: Int64, candidateID: Int64,
                          metrics: [String], significance: [String: Double] = [:]) throws -> EvaluationComparison {
        let baseline = try store.predictions(evaluationID: baselineID).sorted { $0.exampleIndex < $1.exampleIndex }
        let candidate = try store.predictions(evaluationID: candidateID).sorted { $0.exampleIndex < $1.exampleIndex }
        guard baseline.map(\.exampleIndex) == candidate.map(\.exampleIndex) else {
            throw ComparisonError.differentExamples(evalSet: evalSet, baseline: baselineID, candidate: candidateID,
                                                    baselineCount: baseline.count, candidateCount: candidate.count)
        }
        let percentage = ExactMatch(ExactMatchOptions(normalize: .exact))
        func table(_ rows: [PredictionRecord], _ metric: String) -> SegmentStatistics {
            SegmentStatistics(width: 2, values: rows.flatMap { [$0.scores[metric] ?? 0, 1] })
        }
        var comparisons: [MetricComparison] = []
        var intervals: [String: Interval] = [:], baselineIntervals: [String: Interval] = [:]
        var detectable: [String: DetectableEffect] = [:]
        for metric in metrics {
            let baseTable = table(baseline, metric), candidateTable = table(candidate, metric)
            var paired = pairedBootstrap(metric: percentage, baseline: baseTable, system: candidateTable)
            if baseTable == candidateTable { paired.pValue = 1 }
            let difference = pairedDifference(metric: percentage, baseline: baseTable, system: candidateTable)
            comparisons.append(MetricComparison(evalSet: evalSet, metric: metric,
                                                baseline: percentage.score(totals: baseTable.totals()),
                                                candidate: percentage.score(totals: candidateTable.totals()),
                                                pValue: paired.pValue, worseningPValue: difference.worseningPValue))
            if let ci = paired.systemCI { intervals[metric] = Interval(low: ci.low, high: ci.high) }
            if let ci = paired.baselineCI { baselineIntervals[metric] = Interval(low: ci.low, high: ci.high) }
            detectable[metric] = detectableEffect(difference, examples: candidate.count, significance: significance[metric] ?? 0.05)
        }
        // Items whose gold lost (or won) the argmax, for the report's example tables.
        var regressed: [ExampleChange] = [], improved: [ExampleChange] = []
        for (before, after) in zip(baseline, candidate) {
            let old = before.scores["acc"] ?? 0, new = after.scores["acc"] ?? 0
            guard old != new else { continue }
            let change = ExampleChange(id: after.exampleID ?? "#\(after.exampleIndex)", evalSet: evalSet,
                                       prompt: String(after.prompt.prefix(160)), reference: "choice \(after.references.first ?? "?")",
                                       baselineOutput: "choice \(before.output)", candidateOutput: "choice \(after.output)",
                                       baselineScore: old, candidateScore: new, renderedPrompt: after.prompt)
            if new < old { regressed.append(change) } else { improved.append(change) }
        }
        var comparison = EvaluationComparison(
            evalSet: evalSet, comparisons: comparisons, intervals: intervals, baselineIntervals: baselineIntervals,
            baselineServing: ServingFigures(), candidateServing: ServingFigures(),
            regressed: regressed, improved: improved,
            signatures: metrics.map { "\($0): mean over items, paired bootstrap 1000, seed 12345, lm-eval 0.4 log-likelihood" },
            exampleCount: candidate.count)
        comparison.detectable = detectable
        return comparison
    }
}
