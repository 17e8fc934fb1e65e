import Corpus
import Foundation
import Gate
import Reports
import Store

/// An experiment's judges at work after the baseline and candidate evaluations: each judge is
/// given every applicable eval set's answers (and its calibration answers), its metric joins the
/// eval set's comparisons before Holm's correction and the decision, and its figures go to the report.
struct JudgedEvaluations {
    var reports: [JudgeReport] = []
    /// Metrics whose rules may not decide this run: κ is below the judge's `min_kappa` or unknown.
    var advisoryMetrics: Set<String> = []
}

enum JudgeExperiment {
    /// - Parameters: `baselineIDs[i]` and `candidateIDs[i]` are eval set i's evaluations.
    static func run(_ experiment: ExperimentFile, context: JudgeContext, baselineIDs: [Int64], candidateIDs: [Int64],
                    compared: inout [EvaluationComparison], log: (String) -> Void) throws -> JudgedEvaluations {
        var judged = JudgedEvaluations()
        let gated = Set(experiment.gates.map(\.metric))
        for (setIndex, plan) in experiment.evalSets.enumerated() where !plan.isGuard {
            for judge in experiment.judges where judge.evalSets.isEmpty || judge.evalSets.contains(plan.name) {
                let baselineID = baselineIDs[setIndex], candidateID = candidateIDs[setIndex]
                let examples = try judgedExamples(experiment, plan: plan, store: context.store, runID: context.runID)
                let prompt = try JudgePrompt(judge)
                let calibration = try judge.calibration.map {
                    try JudgeCalibration.load(path: $0, examples: examples, labels: judge.labels)
                }
                let calls = try JudgeCalls.build(judge, prompt: prompt, examples: examples, judgedCount: plan.limit ?? examples.count,
                                                 baseline: (baselineID, try context.store.predictions(evaluationID: baselineID)),
                                                 candidate: (candidateID, try context.store.predictions(evaluationID: candidateID)),
                                                 calibration: calibration)
                let results = try JudgeRun.run(judge, calls: calls.calls, evalSet: plan.name, context: context)
                let scoring = JudgeScoring(plan: judge, evalSet: plan.name, results: results, baselineID: baselineID,
                                           candidateID: candidateID, human: calls.human,
                                           model: experiment.endpoint(for: judge.model).map { "endpoint \($0.name)" } ?? judge.model,
                                           significance: experiment.gateSignificance[judge.metric] ?? 0.05)
                var report = scoring.report
                log(logLine(report))
                if let limit = judge.maxUnscored ?? (gated.contains(judge.metric) ? 0 : nil), report.unscored > limit {
                    let reasons = report.unscoredReasons.map { "\($0.value) × \($0.key)" }.sorted().joined(separator: "; ")
                    throw InfrastructureFailure(message: "judge \(judge.name) left \(report.unscored) of \(report.judgedCalls) verdicts on "
                        + "\(plan.name) unscored (\(reasons)), over its max_unscored of \(limit); no decision — the raw outputs are in "
                        + "the store's judge_verdict table (judge evaluation \(results.judgeEvaluationID)); fix the judge's prompt or "
                        + "model, or raise max_unscored")
                }
                if gated.contains(judge.metric), let minimum = judge.minKappa,
                   !((report.agreement?.kappa).map { $0 >= minimum } ?? false) {
                    report.advisory = true
                    judged.advisoryMetrics.insert(judge.metric)
                }
                compared[setIndex].comparisons.append(scoring.comparison)
                compared[setIndex].intervals[judge.metric] = scoring.candidateInterval
                compared[setIndex].baselineIntervals[judge.metric] = scoring.baselineInterval
                compared[setIndex].detectable[judge.metric] = scoring.detectable
                judged.reports.append(report)
            }
        }
        return judged
    }

    /// The eval set's examples as the evaluations saw them (redacted as they were); the evaluations
    /// answered the first `limit` of them, calibration answers may name any.
    static func judgedExamples(_ experiment: ExperimentFile, plan: EvalSetPlan, store: TollgateStore, runID: Int64) throws -> [Example] {
        let request = ExperimentRunner.evaluationRequest(experiment, plan: plan, model: experiment.model, adapter: nil,
                                                         store: store, runID: runID, budget: nil)
        return request.redacted(try DatasetFile.load(path: plan.dataset, purpose: .evaluation).examples)
    }

    /// "judge helpful on support-replies: baseline 41.0, candidate 55.0 (3 unscored of 200; κ 0.62 vs people; $0.0000)".
    static func logLine(_ report: JudgeReport) -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "—" }
        var parts = ["\(report.unscored) unscored of \(report.judgedCalls)", "\(report.cachedCalls) of \(report.calls) calls cached"]
        if let consistency = report.positionConsistency { parts.append(String(format: "position consistency %.0f%%", 100 * consistency)) }
        if let kappa = report.agreement?.kappa { parts.append(String(format: "κ %.2f vs people", kappa)) }
        return "judge \(report.name) on \(report.evalSet): baseline \(number(report.baseline)), candidate \(number(report.candidate)) "
            + "(\(parts.joined(separator: "; ")))"
    }
}

/// The calls a judge makes on one eval set, and people's verdict per calibration call.
struct JudgeCalls {
    var calls: [JudgeCall] = []
    /// Call index → people's label.
    var human: [Int: String] = [:]

    /// Rubric and reference judges: each side's answer once; pairwise: each example answered on
    /// both sides twice, baseline first (ab) then candidate first (ba); then the calibration answers.
    static func build(_ plan: JudgePlan, prompt: JudgePrompt, examples: [Example], judgedCount: Int,
                      baseline: (id: Int64, rows: [PredictionRecord]), candidate: (id: Int64, rows: [PredictionRecord]),
                      calibration: JudgeCalibration?) throws -> JudgeCalls {
        var result = JudgeCalls()
        let baseAnswers = Dictionary(baseline.rows.map { ($0.exampleIndex, $0.output) }) { $1 }
        let candidateAnswers = Dictionary(candidate.rows.map { ($0.exampleIndex, $0.output) }) { $1 }
        for (index, example) in examples.prefix(max(0, judgedCount)).enumerated() {
            if plan.kind == .pairwise {
                guard let first = baseAnswers[index], let second = candidateAnswers[index] else { continue }
                result.calls.append(JudgeCall(judgedEvaluationID: candidate.id, exampleIndex: index, exampleID: example.id,
                                              position: "ab", message: try prompt.pair(example: example, first: first, second: second)))
                result.calls.append(JudgeCall(judgedEvaluationID: candidate.id, exampleIndex: index, exampleID: example.id,
                                              position: "ba", message: try prompt.pair(example: example, first: second, second: first)))
            } else {
                for (id, answers) in [(baseline.id, baseAnswers), (candidate.id, candidateAnswers)] {
                    guard let answer = answers[index] else { continue }
                    result.calls.append(JudgeCall(judgedEvaluationID: id, exampleIndex: index, exampleID: example.id,
                                                  position: "single", message: try prompt.single(example: example, answer: answer)))
                }
            }
        }
        if plan.kind != .pairwise, let calibration {
            for item in calibration.items {
                result.human[result.calls.count] = item.human
                result.calls.append(JudgeCall(judgedEvaluationID: nil, exampleIndex: item.exampleIndex, exampleID: item.exampleID,
                                              position: "calibration",
                                              message: try prompt.single(example: examples[item.exampleIndex], answer: item.answer)))
            }
        }
        return result
    }
}
