import Foundation
import Gate
import Metrics
import Reports

/// Two fixed runs of one experiment, built the way `tollgate run` wires the gate into a report.
enum SampleReports {
    static let policy = GatePolicy(
        rules: [MetricRule(metric: "bleu", floor: 20, maxDrop: 1, significanceAlpha: 0.05),
                MetricRule(metric: "chrf", maxRelativeDrop: 0.05),
                MetricRule(metric: "em", floor: 0.3)],
        budgets: Budgets(p95LatencySeconds: 1.5, costPerThousandRequests: 0.05))

    static let provenance = Provenance(
        modelSha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        adapterSha256: "4f2a0c1e9b7d3a5f6e8c0b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a",
        dataSha256: [NamedHash(name: "Datasets/capitals/holdout.jsonl", sha256: "9e1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8")],
        metricSignatures: ["nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
                           "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"],
        toolVersion: "0.1.0", gitCommit: "a8893a7",
        command: "tollgate run Experiments/nightly.yaml --store tollgate.sqlite")

    static let training = TrainingSummary(
        lossCurve: [LossPoint(step: 0, loss: 2.91), LossPoint(step: 50, loss: 2.12), LossPoint(step: 100, loss: 1.64),
                    LossPoint(step: 150, loss: 1.41), LossPoint(step: 200, loss: 1.37)],
        checkpoints: [CheckpointScore(step: 100, evalSet: "validation", metric: "bleu", value: 40.1),
                      CheckpointScore(step: 200, evalSet: "validation", metric: "bleu", value: 41.6)],
        chosenStep: 200,
        adapterMatrices: [AdapterSpectrum(name: "layers.0.self_attn.q_proj", singularValues: [2.0, 1.0, 0.5, 0.001]),
                          AdapterSpectrum(name: "layers.0.self_attn.v_proj", singularValues: [1, 1, 1, 1])],
        selection: CheckpointSelection(origin: .carved, path: "runs/nightly/selection/valid.jsonl",
                                       sha256: "0c3f5a7b9d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8", examples: 40,
                                       metric: "bleu", sourcePath: "Datasets/capitals/train.jsonl", trainingExamples: 360,
                                       fraction: 0.1, seed: 1, stratified: false))

    static let trend = [TrendSeries(evalSet: "holdout", metric: "bleu", points: [
        TrendPoint(runId: "run-1", value: 40.2, verdict: .go), TrendPoint(runId: "run-2", value: 40.9, verdict: .go),
        TrendPoint(runId: "run-3", value: 41.6, verdict: nil)])]

    static func input(bleu: Double, chrf: Double, em: Double, pValue: Double, p95: Double,
                      runId: String, examples: [ExampleChange] = []) -> ReportInput {
        // As the runner does: Holm's correction over the decision's significance-gated rules first.
        let comparisons = policy.correction.adjust([[
            MetricComparison(evalSet: "holdout", metric: "bleu", baseline: 41.20, candidate: bleu, pValue: pValue),
            MetricComparison(evalSet: "holdout", metric: "chrf", baseline: 58.00, candidate: chrf, pValue: 0.2),
            MetricComparison(evalSet: "holdout", metric: "em", baseline: 0.42, candidate: em, pValue: 0.5),
        ]], rules: policy.rules)[0]
        let serving = ServingComparison(
            baseline: ServingFigures(p50LatencySeconds: 0.61, p95LatencySeconds: 1.02, costPerThousandRequests: 0.021),
            candidate: ServingFigures(p50LatencySeconds: 0.63, p95LatencySeconds: p95, costPerThousandRequests: 0.022),
            budgets: policy.budgets)
        let decision = policy.decide(comparisons: comparisons, candidateServing: serving.candidate)
        let evalSet = EvalSetReport(name: "holdout", dataset: "Datasets/capitals/holdout.jsonl", exampleCount: 200,
                                    comparisons: comparisons,
                                    confidenceIntervals: ["bleu": Interval(low: bleu - 1.7, high: bleu + 1.6)],
                                    policy: policy, decision: decision,
                                    detectable: ["bleu": DetectableEffect(examples: 200, significance: 0.05, power: 0.8, standardError: 1.2)])
        return ReportInput(experiment: "nightly", runId: runId, createdAt: "2026-11-24T02:00:00Z", decision: decision,
                           evalSets: [evalSet], serving: serving, training: training, trend: trend,
                           regressedExamples: examples.filter { ($0.candidateScore ?? 0) < ($0.baselineScore ?? 0) },
                           improvedExamples: examples.filter { ($0.candidateScore ?? 0) > ($0.baselineScore ?? 0) },
                           provenance: provenance)
    }

    static let goExamples = [
        ExampleChange(id: "cap-017", evalSet: "holdout", prompt: "What is the capital of Peru?", reference: "Lima",
                      baselineOutput: "Cusco", candidateOutput: "Lima", baselineScore: 0, candidateScore: 1),
    ]

    static let noGoExamples = [
        ExampleChange(id: "cap-003", evalSet: "holdout", prompt: "What is the capital of Chad?", reference: "N'Djamena",
                      baselineOutput: "N'Djamena", candidateOutput: "Chad *is* a country\nin Africa", baselineScore: 1, candidateScore: 0),
    ]

    static var go: ReportInput {
        input(bleu: 41.6, chrf: 58.4, em: 0.44, pValue: 0.31, p95: 1.10, runId: "run-3", examples: goExamples)
    }

    static var noGo: ReportInput {
        var report = input(bleu: 38.89, chrf: 54.9, em: 0.40, pValue: 0.003, p95: 1.84, runId: "run-4", examples: noGoExamples)
        let history = [RunMetrics(runId: "run-1", verdict: .go, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 40.2)]),
                       RunMetrics(runId: "run-2", verdict: .go, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 40.9)]),
                       RunMetrics(runId: "run-3", verdict: .go, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 41.6)])]
        report.drift = computeDrift(
            tonight: RunMetrics(runId: "run-4", verdict: .noGo, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 38.89)]),
            pinned: history[0], history: history, recentGoLimit: 7)
        report.flakyExamples = findFlakyExamples(runs: [
            ExampleOutcomes(runId: "run-2", passed: ["cap-003": true, "cap-011": true]),
            ExampleOutcomes(runId: "run-3", passed: ["cap-003": true, "cap-011": false]),
            ExampleOutcomes(runId: "run-4", passed: ["cap-003": false, "cap-011": true])])
        return report
    }
}
