import Corpus
import Foundation
import Store
import Training

/// Keeps a training in the store as it happens, for `tollgate train --store` and `tollgate run`
/// alike: one row per optimizer step (loss, learning rate, tokens/s, validation loss) and one row
/// per adapter written (each saved checkpoint and the final adapter, with its hash).
public struct TrainingRecorder {
    public let store: TollgateStore
    public let runID: Int64

    public init(store: TollgateStore, runID: Int64) {
        self.store = store
        self.runID = runID
    }

    /// One step as the trainer reports it; a checkpoint written at this step gets its row too.
    public func record(_ progress: TrainingProgress) throws {
        try store.recordTrainingSteps([stepRecord(progress)])
        if let folder = progress.checkpoint { try recordAdapter(URL(fileURLWithPath: folder), step: progress.step) }
    }

    /// A finished training found again (nothing was trained): its JSON-lines log goes into this
    /// run as if it had just happened, checkpoints included.
    public func replay(log entries: [TrainingProgress]) throws {
        try store.recordTrainingSteps(entries.map(stepRecord))
        for entry in entries {
            if let folder = entry.checkpoint { try recordAdapter(URL(fileURLWithPath: folder), step: entry.step) }
        }
    }

    /// A PEFT adapter folder written at `step`; skipped when the folder holds no adapter (yet).
    public func recordAdapter(_ folder: URL, step: Int) throws {
        let weights = folder.appendingPathComponent("adapter_model.safetensors").path
        guard FileManager.default.fileExists(atPath: weights) else { return }
        try store.recordCheckpoint(CheckpointRecord(runID: runID, step: step, adapterPath: folder.path,
                                                    adapterSHA256: try SHA256.hexOfFile(atPath: weights)))
    }

    private func stepRecord(_ progress: TrainingProgress) -> TrainingStepRecord {
        TrainingStepRecord(runID: runID, step: progress.step, loss: progress.loss,
                           learningRate: Double(progress.learningRate), tokensPerSecond: progress.tokensPerSecond,
                           validLoss: progress.validationLoss)
    }
}
