import Corpus
import Foundation
import Gate
import Metrics
import Reports
import Training

/// The report of a model-swap run: the selection as the decision, one `VariantReport` per variant
/// (scores with intervals, serving figures, size; for a candidate its decision, metric tables and
/// changed examples). Trend, drift and flaky examples follow one candidate across nights and are
/// left out: a swap run has several.
extension ExperimentReport {
    static func buildVariants(experiment: ExperimentFile, runID: Int64, selection: VariantSelection,
                              baseline: VariantExperiment.Served, candidates: [VariantExperiment.Gated],
                              training: TrainingSummary?, adapter: String?, commandLine: String) throws -> ReportInput {
        let policy = experiment.gatePolicy
        // Every comparison shares the baseline's outputs; its figures and intervals come from the first.
        let reference = candidates.first?.compared ?? []
        let baselineScores = reference.flatMap { comparison in
            comparison.comparisons.map {
                VariantScore(evalSet: $0.evalSet, metric: $0.metric,
                             score: SystemScore(value: $0.baseline, confidenceInterval: comparison.baselineIntervals[$0.metric]))
            }
        }
        var reports = [try variantReport(baseline, experiment: experiment, scores: baselineScores,
                                         serving: ExperimentRunner.worstServing(reference.map(\.baselineServing)))]
        for candidate in candidates {
            let scores = candidate.compared.flatMap { comparison in
                comparison.comparisons.map {
                    VariantScore(evalSet: $0.evalSet, metric: $0.metric,
                                 score: SystemScore(value: $0.candidate, confidenceInterval: comparison.intervals[$0.metric],
                                                    pValue: $0.pValue))
                }
            }
            var report = try variantReport(candidate.variant, experiment: experiment, scores: scores, serving: candidate.serving)
            report.decision = candidate.decision
            report.evalSets = zip(experiment.evalSets, candidate.compared).map { plan, comparison in
                EvalSetReport(name: plan.name, dataset: plan.dataset, exampleCount: comparison.exampleCount,
                              comparisons: comparison.comparisons, confidenceIntervals: comparison.intervals,
                              policy: policy, decision: candidate.decision, detectable: comparison.detectable,
                              labels: comparison.labels)
            }
            report.regressedExamples = Array(candidate.compared.flatMap(\.regressed).prefix(50))
            report.improvedExamples = Array(candidate.compared.flatMap(\.improved).prefix(50))
            reports.append(report)
        }
        let datasets = try experiment.evalSets.map { NamedHash(name: $0.dataset, sha256: try SHA256.hexOfFile(atPath: $0.dataset)) }
        return ReportInput(
            experiment: experiment.name, runId: "\(runID)", createdAt: ISO8601DateFormatter().string(from: Date()),
            decision: selection.decision, evalSets: [], training: training,
            provenance: Reports.Provenance(
                modelSha256: try experiment.modelSHA256(experiment.model), adapterSha256: try adapter.map { try AdapterFiles.sha256(path: $0) },
                dataSha256: datasets, metricSignatures: reference.flatMap(\.signatures), toolVersion: TollgateVersion.string,
                gitCommit: GitRevision.current(), command: commandLine),
            variants: VariantComparison(baseline: baseline.name, recommended: selection.recommended,
                                        rule: VariantSelection.rule, variants: reports))
    }

    private static func variantReport(_ variant: VariantExperiment.Served, experiment: ExperimentFile, scores: [VariantScore],
                                      serving: ServingFigures) throws -> VariantReport {
        VariantReport(name: variant.name, source: variant.source,
                      modelPath: variant.route?.displayName ?? experiment.endpoint(for: variant.model).map(\.displayName) ?? variant.model,
                      modelSha256: try variant.routeSHA256 ?? experiment.modelSHA256(variant.model), adapterPath: variant.adapter,
                      adapterSha256: try variant.adapter.map { try AdapterFiles.sha256(path: $0) }, bytes: variant.bytes,
                      scores: scores, serving: serving, training: variant.adapter.flatMap(adapterTraining))
    }

    /// The last entry of a PEFT adapter folder's `train_log.jsonl` (written by `tollgate train`); nil
    /// for a GGUF adapter or a folder without a log.
    private static func adapterTraining(_ path: String) -> AdapterTrainingFigures? {
        let log = URL(fileURLWithPath: path).appendingPathComponent("train_log.jsonl")
        guard let last = TrainingLog.read(log).last else { return nil }
        return AdapterTrainingFigures(steps: last.step, seconds: last.elapsedSeconds, tokensPerSecond: last.tokensPerSecond)
    }
}
