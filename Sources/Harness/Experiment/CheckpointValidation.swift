import Corpus
import Foundation
import Reports
import Store

/// Where an experiment's checkpoints are scored and chosen, so the holdout the gate decides on is
/// scored only for the baseline and the chosen candidate:
/// - `training.valid` when given;
/// - else a split carved from `training.data` before training (`SelectionSplit`), training then
///   reading the rest;
/// - or `checkpoints.eval_set`, which the parser allows only for an eval set no gate uses.
/// Nothing is prepared when no checkpoint is scored (`checkpoints.evaluate: final`).
struct CheckpointValidation {
    /// The JSONL training reads (the carved remainder, or `training.data`).
    var trainingData: String
    /// The validation JSONL handed to training for its validation loss; nil when there is none.
    var validationData: String?
    /// The set checkpoints are scored on; nil when none are scored.
    var plan: EvalSetPlan?
    var split: SelectionSplit?
    var summary: CheckpointSelection?

    static let evalSetName = "validation"

    static func prepare(_ experiment: ExperimentFile, training: TrainingPlan) throws -> CheckpointValidation {
        let checkpoints = experiment.checkpoints
        var result = CheckpointValidation(trainingData: training.data, validationData: training.valid)
        guard checkpoints.evaluate != .final else { return result }
        let ranking = experiment.evalSets.first { $0.name == checkpoints.evalSet } ?? experiment.evalSets[0]
        let metric = checkpoints.metric ?? ranking.metrics[0]
        if let named = checkpoints.evalSet {
            result.plan = ranking
            result.summary = CheckpointSelection(origin: .evalSet, path: ranking.dataset,
                                                 sha256: try SHA256.hexOfFile(atPath: ranking.dataset),
                                                 examples: try DatasetFile.load(path: ranking.dataset, purpose: .evaluation).examples.count,
                                                 metric: metric, evalSet: named)
            return result
        }
        var plan = ranking
        plan.name = evalSetName
        plan.limit = nil
        if let valid = training.valid {
            let file = try DatasetFile.load(path: valid, purpose: .evaluation)
            plan.dataset = valid
            result.summary = CheckpointSelection(origin: .given, path: valid, sha256: file.sha256,
                                                 examples: file.examples.count, metric: metric)
        } else {
            // Beside the adapter folder: runs/<experiment>/selection by default, and shared by
            // experiments that train the same adapter (the split is a pure function of its inputs).
            // Path arithmetic on the string keeps a relative folder relative (reports and the store name it).
            let out = (training.out ?? "runs/\(experiment.name)/adapter") as NSString
            let folder = (out.deletingLastPathComponent as NSString).appendingPathComponent("selection")
            let split = try SelectionSplit.carve(plan: training, selection: training.selection, folder: folder)
            plan.dataset = split.validPath
            result.trainingData = split.trainPath
            result.validationData = split.validPath
            result.split = split
            result.summary = CheckpointSelection(
                origin: .carved, path: split.validPath, sha256: split.validSHA256, examples: split.validCount, metric: metric,
                sourcePath: split.sourcePath, trainingExamples: split.trainCount, fraction: split.fraction,
                seed: Int(split.seed), stratified: split.stratified)
        }
        result.plan = plan
        return result
    }

    /// Records the validation set under the run (nothing when checkpoints are chosen on a named eval set).
    func record(store: TollgateStore, runID: Int64, training: TrainingPlan) throws {
        guard let summary, summary.origin != .evalSet else { return }
        if let split {
            try store.recordSelectionSplit(SelectionSplitRecord(
                runID: runID, origin: "carved", sourcePath: split.sourcePath, sourceSHA256: split.sourceSHA256,
                validPath: split.validPath, validSHA256: split.validSHA256, validCount: split.validCount,
                trainPath: split.trainPath, trainSHA256: split.trainSHA256, trainCount: split.trainCount,
                fraction: split.fraction, seed: Int64(split.seed), stratified: split.stratified))
        } else {
            let source = try DatasetFile.load(path: training.data, purpose: .training)
            try store.recordSelectionSplit(SelectionSplitRecord(
                runID: runID, origin: "given", sourcePath: training.data, sourceSHA256: source.sha256,
                validPath: summary.path, validSHA256: summary.sha256, validCount: summary.examples,
                trainPath: training.data, trainSHA256: source.sha256, trainCount: source.examples.count,
                fraction: nil, seed: nil, stratified: false))
        }
    }
}
