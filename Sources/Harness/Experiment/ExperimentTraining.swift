import Corpus
import Foundation
import Reports
import Store
import TensorKit
import Training

/// The training step of `tollgate run`: trains the experiment's adapter (or recognises that the
/// same training already finished), records the loss curve and checkpoints under the run, and
/// lists the checkpoints that can be scored.
public struct ExperimentTraining: Sendable {
    /// The final adapter (PEFT folder).
    public var adapter: URL
    /// Saved checkpoints, oldest first: (optimizer step, PEFT folder).
    public var checkpoints: [(step: Int, adapter: URL)]
    public var lossCurve: [LossPoint]
    public var validationLoss: [LossPoint]
    /// True when an identical finished training was found and nothing was trained.
    public var reused: Bool

    /// File written beside a finished adapter: what produced it (model and data hashes, settings).
    static let markerName = "tollgate-training.json"

    /// - Parameters:
    ///   - data: the JSONL to train on when it is not `plan.data` (the rest of a carved split).
    ///   - validation: the validation JSONL for the validation loss when it is not `plan.valid`.
    public static func run(plan: TrainingPlan, experiment: ExperimentFile, store: TollgateStore, runID: Int64,
                           data: String? = nil, validation: String? = nil,
                           progress: (TrainingProgress) -> Void) throws -> ExperimentTraining {
        let output = URL(fileURLWithPath: plan.out ?? "runs/\(experiment.name)/adapter")
        let settings = try trainingSettings(plan)
        let trainingData = data ?? plan.data, validationData = validation ?? plan.valid
        // The data hashes are of the files training reads, so a different carved split trains again.
        let marker = try TrainingMarker(modelSHA256: SHA256.hexOfFile(atPath: experiment.model),
                                        dataSHA256: SHA256.hexOfFile(atPath: trainingData),
                                        validSHA256: validationData.map { try SHA256.hexOfFile(atPath: $0) },
                                        settingsJSON: CanonicalJSON.string(settings), template: plan.template,
                                        templateSHA256: plan.templateFile.flatMap { try? SHA256.hexOfFile(atPath: $0) },
                                        templateVariables: plan.templateVariables, templateDate: plan.templateDate)
        let markerURL = output.appendingPathComponent(markerName)
        let recorder = TrainingRecorder(store: store, runID: runID)
        let log = output.appendingPathComponent("train_log.jsonl")
        if let data = FileManager.default.contents(atPath: markerURL.path),
           let previous = try? JSONDecoder().decode(TrainingMarker.self, from: data), previous == marker {
            let entries = TrainingLog.read(log)
            try recorder.replay(log: entries)
            try recorder.recordAdapter(output, step: entries.last?.step ?? 0)
            return ExperimentTraining(output: output, log: entries, reused: true)
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let resumable = FileManager.default.fileExists(atPath: TrainingCheckpoint.directory(out: output)
            .appendingPathComponent("latest").path)
        var job = TrainingJob(model: URL(fileURLWithPath: experiment.model), data: trainingData, validation: validationData,
                              output: output, template: plan.template, initialAdapter: plan.initAdapter,
                              resume: plan.resume || resumable, settings: settings)
        (job.templateFile, job.templateVariables, job.templateDate) = (plan.templateFile, plan.templateVariables, plan.templateDate)
        let trainingLog = try TrainingLog(url: log)
        let result = try job.run { step in
            trainingLog.append(step)
            try? recorder.record(step)
            progress(step)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try ReportFile.write(String(decoding: try encoder.encode(marker), as: UTF8.self), to: markerURL.path)
        try recorder.recordAdapter(result.adapterDirectory, step: result.steps)
        return ExperimentTraining(output: result.adapterDirectory, log: TrainingLog.read(log), reused: false)
    }

    /// `checkpoints/step-NNNNNN/` folders holding a PEFT adapter, oldest first.
    static func checkpoints(_ output: URL) -> [(step: Int, adapter: URL)] {
        let root = TrainingCheckpoint.directory(out: output)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)) else { return nil }
            let folder = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter_config.json").path) else { return nil }
            return (step, folder)
        }.sorted { $0.0 < $1.0 }
    }
}

extension ExperimentTraining {
    /// The adapter in `output`, its saved checkpoints, and the loss curves of its log (a resumed
    /// training's log holds the steps before the interruption too).
    init(output: URL, log: [TrainingProgress], reused: Bool) {
        self.init(adapter: output, checkpoints: Self.checkpoints(output),
                  lossCurve: log.map { LossPoint(step: $0.step, loss: $0.loss) },
                  validationLoss: log.compactMap { entry in entry.validationLoss.map { LossPoint(step: entry.step, loss: $0) } },
                  reused: reused)
    }

    /// The plan as the trainer takes it; the defaults are `tollgate train`'s.
    static func trainingSettings(_ plan: TrainingPlan) throws -> TrainingSettings {
        let targets = plan.targets.compactMap { LoRAProjection(rawValue: $0) }
        var settings = TrainingSettings(
            lora: LoRASettings(rank: plan.rank, alpha: Float(plan.alpha), targets: targets),
            optimizer: OptimizerSettings(kind: OptimizerKind(rawValue: plan.optimizer) ?? .adamw),
            learningRate: Float(plan.learningRate), steps: plan.steps, epochs: Int((plan.epochs ?? 1).rounded(.up)),
            batchSize: plan.batchSize, seed: UInt64(max(0, plan.seed)), saveEvery: plan.saveEvery ?? 0,
            precision: ComputePrecision.named(plan.precision) ?? .f32)
        settings.steps = plan.steps
        return settings
    }
}

/// What produced a finished adapter; equal markers mean the training need not run again.
struct TrainingMarker: Codable, Equatable {
    var modelSHA256: String
    /// The training file read (the remainder of a carved split, when there is one).
    var dataSHA256: String
    /// The validation file (`training.valid` or the carved split); nil without one.
    var validSHA256: String?
    var settingsJSON: String
    var template: String
    /// A template file's hash, variables and date: other training text, so another adapter.
    var templateSHA256: String? = nil
    var templateVariables: [String: String] = [:]
    var templateDate: String? = nil
}
