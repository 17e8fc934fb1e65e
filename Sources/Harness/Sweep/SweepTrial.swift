import Foundation
import Reports
import Store
import TensorKit
import Training
import Metrics

/// Where a sweep keeps its files, all under `runs/<experiment>/`:
/// `trials/<K>/` (adapter, carved selection split, checkpoints), `trials/<K>.db` (the trial's
/// store), `trials/<K>.json` (its result, written last: a trial without it did not finish),
/// `slurm/` (scripts and `logs/`), `sweep.db` (the merged store `--collect` gates in).
public struct SweepLayout: Sendable {
    public var root: String

    public init(experiment: String) { root = "runs/\(experiment)" }

    public func trialFolder(_ trial: Int) -> String { "\(root)/trials/\(trial)" }
    public func trialStore(_ trial: Int) -> String { "\(root)/trials/\(trial).db" }
    public func trialResult(_ trial: Int) -> String { "\(root)/trials/\(trial).json" }
    public var slurmFolder: String { "\(root)/slurm" }
    public var logFolder: String { "\(root)/slurm/logs" }
    public var mergedStore: String { "\(root)/sweep.db" }
}

/// What one trial produced; `--collect` chooses among these.
public struct SweepTrialResult: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var evalSet: String
        public var metric: String
        public var value: Double
        public var ciLow: Double?
        public var ciHigh: Double?

        public init(evalSet: String, metric: String, value: Double, ciLow: Double? = nil, ciHigh: Double? = nil) {
            self.evalSet = evalSet; self.metric = metric; self.value = value; self.ciLow = ciLow; self.ciHigh = ciHigh
        }
    }

    public var trial: Int
    public var values: [SweepValue]
    /// The adapter scored (the chosen checkpoint, or the final adapter).
    public var adapter: String
    /// The metric trials are ranked on, scored on the validation split (never on a holdout).
    public var validation: Score
    /// Every eval set, scored for the sweep report's table only; the choice does not read them.
    public var holdout: [Score]
    public var trainingSeconds: Double
    /// True when an identical finished training was found, so `trainingSeconds` is only the check.
    public var reused: Bool
    public var tokensPerSecond: Double?
    public var lossCurve: [LossPoint]

    public init(trial: Int, values: [SweepValue], adapter: String, validation: Score, holdout: [Score],
                trainingSeconds: Double, reused: Bool, tokensPerSecond: Double?, lossCurve: [LossPoint]) {
        self.trial = trial; self.values = values; self.adapter = adapter; self.validation = validation
        self.holdout = holdout; self.trainingSeconds = trainingSeconds; self.reused = reused
        self.tokensPerSecond = tokensPerSecond; self.lossCurve = lossCurve
    }
}

/// `tollgate sweep EXPERIMENT --trial K`: trains trial K (the training block with the grid's
/// values substituted) into its own folder and store, scores it on the validation split the
/// experiment's checkpoints are chosen on, and on the eval sets for the report's table.
public enum SweepTrial {
    public static func trials(_ experiment: ExperimentFile) throws -> [SweepTrialSettings] {
        guard let grid = experiment.sweep, let training = experiment.training else {
            throw SweepError(message: "\(experiment.name) has no sweep: block; add one, e.g. sweep: {rank: [4, 8]}")
        }
        return grid.trials(base: training)
    }

    /// The experiment as trial `index` runs it: its own adapter folder, and a validation split
    /// even when the experiment scores no checkpoints (`evaluate: final` becomes "score the
    /// final adapter", `last 0` saved checkpoints), since trials are ranked on validation.
    public static func experiment(_ experiment: ExperimentFile, trial index: Int) throws -> ExperimentFile {
        let trials = try trials(experiment)
        guard trials.indices.contains(index) else {
            throw SweepError(message: "trial \(index) is not in \(experiment.name)'s sweep, which has trials 0–\(trials.count - 1)")
        }
        var result = experiment
        result.sweep = nil
        result.training = trials[index].plan
        result.training?.out = SweepLayout(experiment: experiment.name).trialFolder(index) + "/adapter"
        if result.checkpoints.evaluate == .final { result.checkpoints.evaluate = .last(0) }
        return result
    }

    public static func run(experiment base: ExperimentFile, trial index: Int, commandLine: String,
                           log: (String) -> Void) throws -> SweepTrialResult {
        let experiment = try experiment(base, trial: index)
        let settings = try trials(base)[index]
        guard let plan = experiment.training else { throw SweepError(message: "trial \(index) has no training plan") }
        let layout = SweepLayout(experiment: base.name)
        try FileManager.default.createDirectory(atPath: layout.trialFolder(index), withIntermediateDirectories: true)
        let store = try TollgateStore(path: layout.trialStore(index))
        let runID = try store.beginRun(RunRecord(
            experiment: base.name, kind: "sweep-trial", commandLine: commandLine,
            configJSON: (try? CanonicalJSON.string(experiment)) ?? "{}", toolVersion: TollgateVersion.string,
            gitCommit: GitRevision.current(), threads: ProcessInfo.processInfo.activeProcessorCount))
        do {
            let result = try execute(experiment, plan: plan, settings: settings, trial: index, store: store, runID: runID, log: log)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try ReportFile.write(String(decoding: try encoder.encode(result), as: UTF8.self), to: layout.trialResult(index))
            try store.finishRun(id: runID, status: .succeeded)
            return result
        } catch {
            try? store.finishRun(id: runID, status: .failed)
            throw error
        }
    }

    private static func execute(_ experiment: ExperimentFile, plan: TrainingPlan, settings: SweepTrialSettings, trial: Int,
                                store: TollgateStore, runID: Int64, log: (String) -> Void) throws -> SweepTrialResult {
        let validation = try CheckpointValidation.prepare(experiment, training: plan)
        try validation.record(store: store, runID: runID, training: plan)
        guard let validationPlan = validation.plan else {
            throw SweepError(message: "trial \(trial): the experiment gives no validation split to rank trials on; "
                             + "remove checkpoints.eval_set or give training.valid")
        }
        func evaluate(_ set: EvalSetPlan, _ adapter: String?, _ role: String) throws -> EvaluationSummary {
            let summary = try Evaluator.run(ExperimentRunner.evaluationRequest(
                experiment, plan: set, model: experiment.model, adapter: adapter, store: store, runID: runID, budget: nil))
            let headline = summary.metrics.map { "\($0.metric) " + String(format: "%.2f", $0.score) }.joined(separator: ", ")
            log("trial \(trial) \(role) on \(set.name): \(headline)")
            return summary
        }
        log("trial \(trial): \(settings.label) (rank \(plan.rank), lr \(plan.learningRate), targets \(plan.targets.joined(separator: ",")))")
        let started = Date()
        var speeds: [Double] = []
        let trained = try ExperimentTraining.run(plan: plan, experiment: experiment, store: store, runID: runID,
                                                 data: validation.trainingData, validation: validation.validationData) { step in
            speeds.append(step.tokensPerSecond)
            if step.step == 1 || step.step == step.totalSteps || step.step % 10 == 0 { log("  " + TrainingLog.line(step)) }
        }
        let trainingSeconds = Date().timeIntervalSince(started)
        let choice = try ExperimentRunner.chooseCheckpoint(experiment, trained: trained, on: validationPlan,
                                                           evaluate: evaluate, log: log)
        let metric = experiment.checkpoints.metric ?? validationPlan.metrics[0]
        // The chosen adapter on validation: free when it was scored as a checkpoint (generation cache).
        let validated = try evaluate(validationPlan, choice.adapter, "validation")
        func score(_ summary: EvaluationSummary, set: String, metric: String) -> SweepTrialResult.Score {
            let found = summary.metrics.first { $0.metric == metric }
            return SweepTrialResult.Score(evalSet: set, metric: metric, value: found?.score ?? .nan, ciLow: found?.ciLow, ciHigh: found?.ciHigh)
        }
        var holdout: [SweepTrialResult.Score] = []
        for set in experiment.evalSets {
            let summary = try evaluate(set, choice.adapter, "holdout (report table only)")
            holdout += set.metrics.map { score(summary, set: set.name, metric: $0) }
        }
        return SweepTrialResult(
            trial: trial, values: settings.values, adapter: choice.adapter,
            validation: score(validated, set: validationPlan.name, metric: metric), holdout: holdout,
            trainingSeconds: trainingSeconds, reused: trained.reused,
            tokensPerSecond: speeds.isEmpty ? nil : speeds.reduce(0, +) / Double(speeds.count),
            lossCurve: trained.lossCurve)
    }
}

/// A sweep that cannot go on: one line naming the trial or file and the fix (exit 2).
public struct SweepError: Error, LocalizedError, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var errorDescription: String? { message }
}
