import Foundation
import Llama
import ModelIO

/// The resumable state of a run besides the adapter: optimizer moments, step, data order and
/// cursor, RNG state. Stored as `training_state.json` + `optimizer.safetensors` (exact float32).
public struct TrainingState: Sendable, Codable, Equatable {
    /// Optimizer steps done (the schedule position).
    public var step: Int
    public var epoch: Int
    /// Batches (as example indices) of the current epoch, in the order they are visited.
    public var order: [[Int]]
    /// Next micro-batch in `order`.
    public var cursor: Int
    public var rng: TrainingRNG
    public var optimizerStep: Int
    public var settings: TrainingSettings
    /// Size of the training set, to refuse resuming on other data.
    public var exampleCount: Int
}

/// Checkpoint directories under `<out>/checkpoints/step-NNNNNN/`, each complete before it is renamed
/// into place; `<out>/checkpoints/latest` names the newest.
public enum TrainingCheckpoint {
    static let stateName = "training_state.json"
    static let momentsName = "optimizer.safetensors"

    public static func directory(out: URL) -> URL { out.appendingPathComponent("checkpoints") }

    /// Writes adapter + state into a fresh directory and points `latest` at it.
    public static func save(parameters: LoRAParameters, optimizer: OptimizerState, state: TrainingState,
                            out: URL, baseModel: String) throws -> URL {
        let root = directory(out: out)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let name = String(format: "step-%06d", state.step)
        let final = root.appendingPathComponent(name)
        let temporary = root.appendingPathComponent(".\(name).tmp-\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        try PEFTAdapter.save(parameters, to: temporary, baseModel: baseModel)
        var tensors: [(name: String, shape: [Int], values: [Float], dtype: SafeTensorsDType)] = []
        if !optimizer.m.isEmpty {
            tensors = [("m", [optimizer.m.count], optimizer.m, .f32), ("v", [optimizer.v.count], optimizer.v, .f32)]
        }
        try SafeTensors.write(tensors, metadata: ["step": String(optimizer.step)],
                              to: temporary.appendingPathComponent(momentsName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try writeAtomically(try encoder.encode(state), to: temporary.appendingPathComponent(stateName))
        try? FileManager.default.removeItem(at: final)
        try FileManager.default.moveItem(at: temporary, to: final)
        try writeAtomically(Data(name.utf8), to: root.appendingPathComponent("latest"))
        return final
    }

    /// Reads the newest checkpoint of a run.
    public static func load(out: URL, shape: LlamaConfig) throws
        -> (parameters: LoRAParameters, optimizer: OptimizerState, state: TrainingState) {
        let root = directory(out: out)
        let latestURL = root.appendingPathComponent("latest")
        guard let nameData = FileManager.default.contents(atPath: latestURL.path),
              let name = String(data: nameData, encoding: .utf8), !name.isEmpty, !name.contains("/") else {
            throw TrainingError.badCheckpoint(path: latestURL.path, reason: "there is no checkpoint to resume from")
        }
        let checkpoint = root.appendingPathComponent(name)
        let stateURL = checkpoint.appendingPathComponent(stateName)
        guard let stateData = FileManager.default.contents(atPath: stateURL.path),
              let state = try? JSONDecoder().decode(TrainingState.self, from: stateData) else {
            throw TrainingError.badCheckpoint(path: stateURL.path, reason: "the training state is missing or unreadable")
        }
        let parameters = try PEFTAdapter.load(directory: checkpoint, shape: shape)
        var optimizer = OptimizerState(settings: state.settings.optimizer, parameterCount: parameters.values.count)
        optimizer.step = state.optimizerStep
        if state.settings.optimizer.kind == .adamw {
            let moments = try SafeTensors.read(url: checkpoint.appendingPathComponent(momentsName))
            let m = try moments.floats("m"), v = try moments.floats("v")
            guard m.count == parameters.values.count, v.count == m.count else {
                throw TrainingError.badCheckpoint(path: checkpoint.path, reason: "optimizer moments do not match the adapter size")
            }
            optimizer.m = m
            optimizer.v = v
        }
        return (parameters, optimizer, state)
    }
}
