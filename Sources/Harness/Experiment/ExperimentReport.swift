import Foundation
import Corpus
import Gate
import Metrics
import Reports
import Store

/// Builds a run's report from what the store holds, and writes it (markdown, JSON, JUnit) to the
/// reports folder and, as JSON, to the store so `tollgate report` can render it again.
public enum ExperimentReport {
    static func build(experiment: ExperimentFile, runID: Int64, store: TollgateStore, decision: GateDecision,
                      policy: GatePolicy, compared: [EvaluationComparison], baselineServing: ServingFigures,
                      candidateServing: ServingFigures, training: TrainingSummary?, candidateAdapter: String?,
                      commandLine: String) throws -> ReportInput {
        let evalSets = zip(experiment.evalSets, compared).map { plan, comparison in
            EvalSetReport(name: plan.name, dataset: plan.dataset, exampleCount: comparison.exampleCount,
                          comparisons: comparison.comparisons, confidenceIntervals: comparison.intervals,
                          policy: policy, decision: decision, detectable: comparison.detectable, labels: comparison.labels)
        }
        let history = try pastRuns(experiment: experiment, store: store, excluding: runID)
        let tonight = RunMetrics(runId: "\(runID)", verdict: decision.verdict, values: compared.flatMap { comparison in
            comparison.comparisons.compactMap { row in row.candidate.map { MetricValue(evalSet: row.evalSet, metric: row.metric, value: $0) } }
        })
        let baseline = RunMetrics(runId: "baseline", verdict: nil, values: compared.flatMap { comparison in
            comparison.comparisons.compactMap { row in row.baseline.map { MetricValue(evalSet: row.evalSet, metric: row.metric, value: $0) } }
        })
        let trend = trendSeries(history: history + [tonight], limit: 20)
        let flaky = findFlakyExamples(runs: try exampleOutcomes(experiment: experiment, store: store, runs: history.map(\.runId) + ["\(runID)"]),
                                      minimumFlips: experiment.drift.flakyMinimumFlips)
        let drift = history.isEmpty ? nil : computeDrift(tonight: tonight, pinned: baseline, history: history,
                                                         recentGoLimit: experiment.drift.recentGoRuns)
        let datasets = try experiment.evalSets.map { NamedHash(name: $0.dataset, sha256: try SHA256.hexOfFile(atPath: $0.dataset)) }
        let adapterHash = try candidateAdapter.map { try AdapterFiles.sha256(path: $0) }
        return ReportInput(
            experiment: experiment.name, runId: "\(runID)", createdAt: ISO8601DateFormatter().string(from: Date()),
            decision: decision, evalSets: evalSets,
            serving: ServingComparison(baseline: baselineServing, candidate: candidateServing, budgets: policy.budgets),
            training: training, trend: trend, drift: drift, flakyExamples: flaky,
            regressedExamples: Array(compared.flatMap(\.regressed).prefix(50)),
            improvedExamples: Array(compared.flatMap(\.improved).prefix(50)),
            provenance: Reports.Provenance(
                modelSha256: try experiment.modelSHA256(experiment.model), adapterSha256: adapterHash, dataSha256: datasets,
                metricSignatures: compared.flatMap(\.signatures), toolVersion: TollgateVersion.string,
                gitCommit: GitRevision.current(), command: commandLine))
    }

    /// Writes `<directory>/<experiment>-run<id>.{md,json,xml}` atomically and keeps the JSON in the store.
    static func write(_ report: ReportInput, experiment: String, runID: Int64, directory: String,
                      store: TollgateStore) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stem = (directory as NSString).appendingPathComponent("\(safeName(experiment))-run\(runID)")
        let json = try JSONReport.render(report)
        let files = [(stem + ".md", MarkdownReport.render(report)), (stem + ".json", json), (stem + ".xml", JUnitReport.render(report))]
        for (path, text) in files { try ReportFile.write(text, to: path) }
        try store.saveReport(runID: runID, bodyJSON: json)
        return files.map(\.0)
    }

    /// Earlier runs of this experiment that reached a decision, oldest first, with their
    /// candidate metrics (a run's last N evaluations, N = eval sets).
    static func pastRuns(experiment: ExperimentFile, store: TollgateStore, excluding runID: Int64) throws -> [RunMetrics] {
        let runs = try store.runs(limit: 500).filter { $0.experiment == experiment.name && $0.kind == "run" && $0.id != runID }
        var result: [RunMetrics] = []
        for run in runs.reversed() {
            guard let id = run.id, let gate = try store.gateDecision(runID: id) else { continue }
            let evaluations = try store.evaluations(runID: id).compactMap(\.id).sorted().suffix(experiment.evalSets.count)
            guard evaluations.count == experiment.evalSets.count else { continue }
            var values: [MetricValue] = []
            for (plan, evaluationID) in zip(experiment.evalSets, evaluations) {
                for row in try store.metrics(evaluationID: evaluationID) where plan.metrics.contains(row.metric) {
                    values.append(MetricValue(evalSet: plan.name, metric: row.metric, value: row.value))
                }
            }
            result.append(RunMetrics(runId: "\(id)", verdict: Verdict(rawValue: gate.decision), values: values))
        }
        return result
    }

    /// Per example, whether each run's candidate got it right: a score of 1 on the first eval set's
    /// first metric when it is exact match or F1, else a sentence score at or above 50.
    static func exampleOutcomes(experiment: ExperimentFile, store: TollgateStore, runs: [String]) throws -> [ExampleOutcomes] {
        guard let metric = experiment.evalSets.first?.metrics.first else { return [] }
        let threshold = ["em", "f1"].contains(metric) ? 1.0 : 50.0
        return try runs.compactMap { runId -> ExampleOutcomes? in
            guard let id = Int64(runId),
                  let evaluation = try store.evaluations(runID: id).compactMap(\.id).sorted()
                    .suffix(experiment.evalSets.count).first else { return nil }
            var passed: [String: Bool] = [:]
            for prediction in try store.predictions(evaluationID: evaluation) {
                passed[prediction.exampleID ?? "#\(prediction.exampleIndex)"] = (prediction.scores[metric] ?? 0) >= threshold
            }
            return ExampleOutcomes(runId: runId, passed: passed)
        }
    }

    static func trendSeries(history: [RunMetrics], limit: Int) -> [TrendSeries] {
        guard history.count > 1 else { return [] }
        var keys: [(String, String)] = []
        for value in history.last!.values where !keys.contains(where: { $0 == (value.evalSet, value.metric) }) {
            keys.append((value.evalSet, value.metric))
        }
        return keys.map { evalSet, metric in
            TrendSeries(evalSet: evalSet, metric: metric, points: history.suffix(limit).compactMap { run in
                run.values.first { $0.evalSet == evalSet && $0.metric == metric }
                    .map { TrendPoint(runId: run.runId, value: $0.value, verdict: run.verdict) }
            })
        }
    }

    static func safeName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }
}
