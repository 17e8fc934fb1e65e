import Corpus
import Foundation
import Reports
import Store
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

    public static func run(plan: TrainingPlan, experiment: ExperimentFile, store: TollgateStore, runID: Int64,
                           progress: (TrainingProgress) -> Void) throws -> ExperimentTraining {
        let output = URL(fileURLWithPath: plan.out ?? "runs/\(experiment.name)/adapter")
        let settings = try trainingSettings(plan)
        let marker = try TrainingMarker(modelSHA256: SHA256.hexOfFile(atPath: experiment.model),
                                        dataSHA256: SHA256.hexOfFile(atPath: plan.data),
                                        settingsJSON: CanonicalJSON.string(settings), template: plan.template)
        let markerURL = output.appendingPathComponent(markerName)
        let log = output.appendingPathComponent("train_log.jsonl")
        if let data = FileManager.default.contents(atPath: markerURL.path),
           let previous = try? JSONDecoder().decode(TrainingMarker.self, from: data), previous == marker {
            let curve = readLog(log)
            try record(store: store, runID: runID, curve: curve, output: output)
            return ExperimentTraining(adapter: output, checkpoints: checkpoints(output), lossCurve: curve.loss,
                                      validationLoss: curve.validation, reused: true)
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let resumable = FileManager.default.fileExists(atPath: TrainingCheckpoint.directory(out: output)
            .appendingPathComponent("latest").path)
        let job = TrainingJob(model: URL(fileURLWithPath: experiment.model), data: plan.data, validation: plan.valid,
                              output: output, template: plan.template, initialAdapter: plan.initAdapter,
                              resume: plan.resume || resumable, settings: settings)
        let trainingLog = try TrainingLog(url: log)
        let result = try job.run { step in
            trainingLog.append(step)
            try? store.recordTrainingSteps([TrainingStepRecord(
                runID: runID, step: step.step, loss: step.loss, learningRate: Double(step.learningRate),
                tokensPerSecond: step.tokensPerSecond, validLoss: step.validationLoss)])
            progress(step)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try ReportFile.write(String(decoding: try encoder.encode(marker), as: UTF8.self), to: markerURL.path)
        let curve = readLog(log)
        try record(store: store, runID: runID, curve: curve, output: result.adapterDirectory)
        return ExperimentTraining(adapter: result.adapterDirectory, checkpoints: checkpoints(output), lossCurve: curve.loss,
                                  validationLoss: curve.validation, reused: false)
    }

    /// The plan as the trainer takes it; the defaults are `tollgate train`'s.
    static func trainingSettings(_ plan: TrainingPlan) throws -> TrainingSettings {
        let targets = plan.targets.compactMap { LoRAProjection(rawValue: $0) }
        var settings = TrainingSettings(
            lora: LoRASettings(rank: plan.rank, alpha: Float(plan.alpha), targets: targets),
            optimizer: OptimizerSettings(kind: OptimizerKind(rawValue: plan.optimizer) ?? .adamw),
            learningRate: Float(plan.learningRate), steps: plan.steps, epochs: Int((plan.epochs ?? 1).rounded(.up)),
            batchSize: plan.batchSize, seed: UInt64(max(0, plan.seed)), saveEvery: plan.saveEvery ?? 0)
        settings.steps = plan.steps
        return settings
    }

    /// Loss points from the JSON-lines log (the last entry per step wins, as after a resume).
    static func readLog(_ url: URL) -> (loss: [LossPoint], validation: [LossPoint]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ([], []) }
        var loss: [Int: Double] = [:], validation: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            guard let step = try? JSONDecoder().decode(TrainingProgress.self, from: Data(line.utf8)) else { continue }
            loss[step.step] = step.loss
            if let value = step.validationLoss { validation[step.step] = value }
        }
        return (loss.sorted { $0.key < $1.key }.map { LossPoint(step: $0.key, loss: $0.value) },
                validation.sorted { $0.key < $1.key }.map { LossPoint(step: $0.key, loss: $0.value) })
    }

    static func record(store: TollgateStore, runID: Int64, curve: (loss: [LossPoint], validation: [LossPoint]),
                       output: URL) throws {
        let validation = Dictionary(uniqueKeysWithValues: curve.validation.map { ($0.step, $0.loss) })
        try store.recordTrainingSteps(curve.loss.map {
            TrainingStepRecord(runID: runID, step: $0.step, loss: $0.loss, learningRate: 0, tokensPerSecond: 0,
                               validLoss: validation[$0.step])
        })
        let file = output.appendingPathComponent("adapter_model.safetensors").path
        if FileManager.default.fileExists(atPath: file) {
            _ = try store.recordCheckpoint(CheckpointRecord(runID: runID, step: curve.loss.last?.step ?? 0,
                                                            adapterPath: output.path, adapterSHA256: SHA256.hexOfFile(atPath: file)))
        }
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

/// What produced a finished adapter; equal markers mean the training need not run again.
struct TrainingMarker: Codable, Equatable {
    var modelSHA256: String
    var dataSHA256: String
    var settingsJSON: String
    var template: String
}
