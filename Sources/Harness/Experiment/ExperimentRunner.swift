import Corpus
import Foundation
import TensorKit
import Gate
import Metrics
import Reports
import Store
import Training

/// What `tollgate run` ends with.
public struct ExperimentOutcome: Sendable {
    public var runID: Int64
    public var decision: GateDecision
    public var report: ReportInput
    /// Markdown, JSON and JUnit files written under the reports folder.
    public var reportPaths: [String]
}

/// `tollgate run EXPERIMENT.yaml`: baseline evaluation → training → checkpoint scoring on the
/// validation set → candidate evaluation → gate → reports, every step recorded under one run in the store. With
/// `variants:` the steps after training are `VariantExperiment`'s (a model-swap comparison).
/// Work already done is not done again: evaluations come from the generation cache and a
/// finished identical training is recognised by its marker.
///
/// Evaluations of an experiment run are created in order — baselines, checkpoints, then the
/// candidate's, one per eval set — so a run's candidate evaluations are its last N.
public enum ExperimentRunner {
    public static func run(experimentPath: String, storePath: String, reportsDirectory: String,
                           commandLine: String, drill: String? = nil, log: (String) -> Void) throws -> ExperimentOutcome {
        let experiment = try ExperimentFile.load(path: experimentPath)
        return try run(experiment: experiment, storePath: storePath, reportsDirectory: reportsDirectory, commandLine: commandLine,
                       drill: try drill.map { try RouteVariants.drill(named: $0, in: experiment, file: experimentPath) }, log: log)
    }

    /// The same for an experiment already read (a sweep gates its chosen trial this way).
    public static func run(experiment: ExperimentFile, storePath: String, reportsDirectory: String,
                           commandLine: String, drill: DrillPlan? = nil, log: (String) -> Void) throws -> ExperimentOutcome {
        // Everything that can be checked before a model is loaded.
        for plan in experiment.evalSets where !plan.isGuard { _ = try DatasetFile.load(path: plan.dataset, purpose: .evaluation) }
        for plan in experiment.evalSets where plan.isGuard { _ = try LogLikelihoodSet.load(path: plan.dataset, kind: .multipleChoice) }
        if let training = experiment.training {
            _ = try DatasetFile.load(path: training.data, purpose: .training)
            if let valid = training.valid { _ = try DatasetFile.load(path: valid, purpose: .evaluation) }
        }
        if let adapter = experiment.adapter { _ = try AdapterFiles.load(path: adapter, model: experiment.model) }
        try VariantExperiment.checkFiles(experiment)
        let store = try TollgateStore(path: storePath)
        let pinned = try pinnedBaselines(experiment, store: store)

        let runID = try store.beginRun(RunRecord(
            experiment: experiment.name, kind: "run", commandLine: commandLine,
            configJSON: (try? CanonicalJSON.string(experiment)) ?? "{}", toolVersion: TollgateVersion.string,
            gitCommit: GitRevision.current(), threads: ProcessInfo.processInfo.activeProcessorCount))
        do {
            let outcome = try execute(experiment, runID: runID, pinned: pinned, store: store,
                                      reportsDirectory: reportsDirectory, commandLine: commandLine, drill: drill, log: log)
            try store.finishRun(id: runID, status: .succeeded)
            if let days = experiment.privacy?.retainTextDays {
                let pruned = try Retention.prune(store: store, olderThanDays: days, experiment: experiment.name, now: Date())
                log("retention: " + Retention.describe(pruned, storePath: store.path))
            }
            return outcome
        } catch {
            try? store.finishRun(id: runID, status: .failed)
            throw error
        }
    }

    private static func execute(_ experiment: ExperimentFile, runID: Int64, pinned: [Int64]?, store: TollgateStore,
                                reportsDirectory: String, commandLine: String, drill: DrillPlan?,
                                log: (String) -> Void) throws -> ExperimentOutcome {
        let budget = experiment.budgets.maxCost.map(SpendingBudget.init(limit:))
        func evaluate(_ plan: EvalSetPlan, model: String, adapter: String?, role: String,
                      route: RouteSpec? = nil) throws -> EvaluationSummary {
            var request = evaluationRequest(experiment, plan: plan, model: model, adapter: adapter, store: store,
                                            runID: runID, budget: budget)
            request.route = route
            let summary = try Evaluator.run(request)
            let headline = summary.metrics.map { "\($0.metric) " + String(format: "%.2f", $0.score) }.joined(separator: ", ")
            log("\(role) on \(plan.name): \(headline) (\(summary.generated) generated, \(summary.reused) reused)")
            return summary
        }
        // A guard set (kind: multiple_choice) is scored by log-likelihood, on the baseline and the candidate only.
        func evaluateGuard(_ plan: EvalSetPlan, adapter: String?, role: String) throws -> Int64 {
            let summary = try GuardEvaluations.evaluate(plan, experiment: experiment, model: experiment.model, adapter: adapter,
                                                        store: store, runID: runID)
            log(GuardEvaluations.logLine(role: role, plan: plan, summary: summary))
            return summary.evaluationID
        }

        // 0. The validation set checkpoints will be chosen on (carved from the training data when
        //    training.valid is absent), so bad training data fails before any evaluation.
        let validation = try experiment.training.map { try CheckpointValidation.prepare(experiment, training: $0) }
        if let plan = experiment.training, let validation {
            try validation.record(store: store, runID: runID, training: plan)
            if let split = validation.split {
                log("selection: \(split.validCount) of \(plan.data)'s \(split.validCount + split.trainCount) examples carved into "
                    + "\(split.validPath)\(split.stratified ? " (stratified by label)" : ""); training reads the other \(split.trainCount)")
            }
        }

        // 1. Baseline (a model-swap experiment's is its first variant, evaluated after training).
        var baselineIDs: [Int64] = []
        if let pinned {
            baselineIDs = pinned
            log("baseline: stored evaluations \(pinned.map(String.init).joined(separator: ", "))")
        } else if experiment.variants.isEmpty {
            for plan in experiment.evalSets {
                baselineIDs.append(plan.isGuard ? try evaluateGuard(plan, adapter: nil, role: "baseline")
                                                : try evaluate(plan, model: experiment.model, adapter: nil, role: "baseline").evaluationID)
            }
        }

        // 2. Training and checkpoint scoring.
        var candidateAdapter = experiment.adapter
        var trainingSummary: TrainingSummary?
        if let plan = experiment.training, let validation {
            log("training: \(validation.trainingData) (rank \(plan.rank), targets \(plan.targets.joined(separator: ",")))")
            let trained = try ExperimentTraining.run(plan: plan, experiment: experiment, store: store, runID: runID,
                                                     data: validation.trainingData, validation: validation.validationData) { step in
                if step.step == 1 || step.step == step.totalSteps || step.step % 10 == 0 { log("  " + TrainingLog.line(step)) }
            }
            if trained.reused { log("training: an identical finished training is in \(trained.adapter.path); reused") }
            let choice = try chooseCheckpoint(experiment, trained: trained, on: validation.plan, evaluate: {
                try evaluate($0, model: experiment.model, adapter: $1, role: $2)
            }, log: log)
            candidateAdapter = choice.adapter
            trainingSummary = TrainingSummary(lossCurve: trained.lossCurve, validationLoss: trained.validationLoss,
                                              checkpoints: choice.scores, chosenStep: choice.step,
                                              adapterMatrices: (try? AdapterSpectra.load(path: choice.adapter, model: experiment.model)) ?? [],
                                              selection: choice.scores.isEmpty ? nil : validation.summary)
        }

        if !experiment.variants.isEmpty {
            return try VariantExperiment.run(
                experiment, adapter: candidateAdapter, training: trainingSummary, runID: runID, store: store,
                reportsDirectory: reportsDirectory, commandLine: commandLine, drill: drill,
                evaluate: { try evaluate($0, model: $1.model, adapter: $1.adapter, role: $1.name, route: $1.route) }, log: log)
        }

        // 3. Candidate.
        var candidateIDs: [Int64] = []
        for plan in experiment.evalSets {
            candidateIDs.append(plan.isGuard ? try evaluateGuard(plan, adapter: candidateAdapter, role: "candidate")
                                             : try evaluate(plan, model: experiment.model, adapter: candidateAdapter, role: "candidate").evaluationID)
        }

        // 4. Gate.
        var compared: [EvaluationComparison] = []
        for (index, plan) in experiment.evalSets.enumerated() {
            compared.append(plan.isGuard
                ? try EvaluationComparison.loadGuard(
                    store: store, evalSet: plan.name, baselineID: baselineIDs[index], candidateID: candidateIDs[index],
                    metrics: plan.metrics, significance: experiment.gateSignificance)
                : try EvaluationComparison.load(
                    store: store, evalSet: plan.name, baselineID: baselineIDs[index], candidateID: candidateIDs[index],
                    metrics: plan.metrics.compactMap(MetricKind.init(rawValue:)), significance: experiment.gateSignificance))
        }
        // 4a. Judges: their metrics join the comparisons before the correction and the decision.
        let judged = try JudgeExperiment.run(experiment, context: JudgeContext(experiment: experiment, store: store, runID: runID, budget: budget),
                                             baselineIDs: baselineIDs, candidateIDs: candidateIDs, compared: &compared, log: log)
        var policy = experiment.gatePolicy
        policy.rules.removeAll { judged.advisoryMetrics.contains($0.metric) }
        let candidateServing = worstServing(compared.map(\.candidateServing))
        // Holm's correction runs over the whole decision: every eval set's significance-gated rules.
        let adjusted = policy.correction.adjust([compared.flatMap(\.comparisons)], rules: policy.rules)[0]
        for index in compared.indices {
            compared[index].comparisons = adjusted.filter { $0.evalSet == compared[index].evalSet }
        }
        let decision = policy.decide(comparisons: adjusted, evalSets: experiment.evalSets.map(\.name),
                                     metricsBySet: GuardEvaluations.ruleScopes(experiment), candidateServing: candidateServing)
        for warning in compared.flatMap({ detectabilityWarnings($0, rules: policy.rules) }) { log("warning: \(warning)") }
        _ = try store.recordGateDecision(GateDecisionRecord(runID: runID, decision: decision.verdict.rawValue,
                                                            reasons: decision.outcomes.map(\.reason)))
        log("decision: \(decision.verdict.rawValue) — \(decision.why)")

        // 5. Reports.
        var report = try ExperimentReport.build(
            experiment: experiment, runID: runID, store: store, decision: decision, policy: policy, compared: compared,
            baselineServing: worstServing(compared.map(\.baselineServing)), candidateServing: candidateServing,
            training: trainingSummary, candidateAdapter: candidateAdapter, commandLine: commandLine)
        if !judged.reports.isEmpty { report.judges = judged.reports }
        let paths = try ExperimentReport.write(report, experiment: experiment.name, runID: runID,
                                               directory: reportsDirectory, store: store)
        return ExperimentOutcome(runID: runID, decision: decision, report: report, reportPaths: paths)
    }

    /// How one eval set is evaluated for an experiment run (decoding, budgets, price, store).
    static func evaluationRequest(_ experiment: ExperimentFile, plan: EvalSetPlan, model: String, adapter: String?,
                                  store: TollgateStore, runID: Int64, budget: SpendingBudget?) -> EvaluationRequest {
        var request = experiment.endpoint(for: model).map { EvaluationRequest(endpoint: $0, dataPath: plan.dataset) }
            ?? EvaluationRequest(modelPath: model, adapterPath: adapter, dataPath: plan.dataset)
        request.budget = budget
        request.maxErrorRate = experiment.budgets.maxErrorRate
        request.metrics = plan.metrics.compactMap(MetricKind.init(rawValue:))
        request.storePath = store.path
        request.decoding = DecodingSettings(maxTokens: plan.decoding.maxTokens, temperature: plan.decoding.temperature,
                                            topP: plan.decoding.topP ?? 1, seed: UInt64(max(0, plan.decoding.seed ?? 0)),
                                            template: plan.decoding.template,
                                            precision: ComputePrecision.named(plan.decoding.precision) ?? .f32,
                                            redact: experiment.privacy?.redact ?? [])
        request.decoding.templateFile = plan.decoding.templateFile
        request.decoding.templateSHA256 = plan.decoding.templateFile.flatMap { try? SHA256.hexOfFile(atPath: $0) }
        request.decoding.templateVariables = plan.decoding.templateVariables
        request.decoding.templateDate = plan.decoding.templateDate
        request.batchSize = plan.batchSize ?? 32
        request.limit = plan.limit
        request.cpuHourPrice = experiment.budgets.cpuHourPrice ?? EvaluationRequest.defaultCPUHourPrice
        request.runID = runID
        request.experiment = experiment.name
        return request
    }

    /// The baseline evaluations named by `baseline: {pinned: …}` or `baseline: last_go`; nil for `base`.
    static func pinnedBaselines(_ experiment: ExperimentFile, store: TollgateStore) throws -> [Int64]? {
        switch experiment.baseline {
        case .base:
            return nil
        case .pinned(let text):
            let ids = text.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard ids.count == experiment.evalSets.count else {
                throw ExperimentRunError.pinnedCount(value: text, evalSets: experiment.evalSets.count)
            }
            for id in ids where try store.evaluation(id: id) == nil {
                throw ExperimentRunError.missingEvaluation(id: id, path: store.path)
            }
            return ids
        case .lastGo:
            guard let run = try store.lastGoRuns(experiment: experiment.name, limit: 1).first, let runID = run.id else {
                throw ExperimentRunError.noGoRun(experiment: experiment.name, path: store.path)
            }
            let evaluations = try store.evaluations(runID: runID).compactMap(\.id).sorted()
            return Array(evaluations.suffix(experiment.evalSets.count))
        }
    }

    /// Scores the checkpoints the plan asks for on `validation` (never on a gated holdout; see
    /// `CheckpointValidation`) and picks the candidate adapter.
    static func chooseCheckpoint(_ experiment: ExperimentFile, trained: ExperimentTraining, on validation: EvalSetPlan?,
                                 evaluate: (EvalSetPlan, String?, String) throws -> EvaluationSummary,
                                 log: (String) -> Void) throws -> (adapter: String, step: Int?, scores: [CheckpointScore]) {
        let plan = experiment.checkpoints
        let candidates: [(step: Int, adapter: URL)]
        switch plan.evaluate {
        case .final: return (trained.adapter.path, trained.lossCurve.last?.step, [])
        case .all: candidates = trained.checkpoints
        case .last(let count): candidates = Array(trained.checkpoints.suffix(count))
        }
        guard !candidates.isEmpty, let set = validation else { return (trained.adapter.path, trained.lossCurve.last?.step, []) }
        let metric = plan.metric ?? set.metrics[0]
        let greaterIsBetter = experiment.gates.first { $0.metric == metric }?.greaterIsBetter ?? true
        var scores: [CheckpointScore] = []
        for checkpoint in candidates {
            let summary = try evaluate(set, checkpoint.adapter.path, "checkpoint \(checkpoint.step)")
            let value = summary.metrics.first { $0.metric == metric }?.score ?? .nan
            scores.append(CheckpointScore(step: checkpoint.step, evalSet: set.name, metric: metric, value: value))
        }
        var chosen = scores.count - 1
        if plan.choose == "best" {
            for (index, score) in scores.enumerated() where score.value.isFinite {
                let best = scores[chosen].value
                if !best.isFinite || (greaterIsBetter ? score.value > best : score.value < best) { chosen = index }
            }
        }
        log("checkpoint: step \(scores[chosen].step) chosen (\(plan.choose) \(metric) on \(set.name))")
        return (candidates[chosen].adapter.path, scores[chosen].step, scores)
    }

    /// Sentences for the gated metrics whose `max_drop` is below what the holdout can detect.
    static func detectabilityWarnings(_ comparison: EvaluationComparison, rules: [MetricRule]) -> [String] {
        rules.compactMap { rule in
            guard let maxDrop = rule.maxDrop, let effect = comparison.detectable[rule.metric] else { return nil }
            return DetectabilityWarning.sentence(evalSet: comparison.evalSet, metric: rule.metric, effect: effect, maxDrop: maxDrop)
        }
    }

    /// The slowest and dearest of several eval sets' figures: what a budget must hold for.
    static func worstServing(_ figures: [ServingFigures]) -> ServingFigures { ServingFigures.worst(figures) }
}

public enum ExperimentRunError: LocalizedError, Equatable {
    case pinnedCount(value: String, evalSets: Int)
    case missingEvaluation(id: Int64, path: String)
    case noGoRun(experiment: String, path: String)

    public var errorDescription: String? {
        switch self {
        case let .pinnedCount(value, evalSets):
            return "baseline pinned: \(value) names a different number of evaluations than the \(evalSets) eval sets; "
                + "give one evaluation id per eval set, comma-separated, in eval_sets order"
        case let .missingEvaluation(id, path):
            return "evaluation \(id) is not in \(path); list evaluations with tollgate history --store \(path)"
        case let .noGoRun(experiment, path):
            return "baseline last_go: experiment \(experiment) has no GO run in \(path) yet; use baseline: base for the first run"
        }
    }
}
