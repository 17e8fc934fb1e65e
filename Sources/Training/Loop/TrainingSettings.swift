import Foundation
import TensorKit

/// Everything that defines a training run. Resuming checks it against the checkpoint's copy.
public struct TrainingSettings: Sendable, Codable, Equatable {
    /// Adapter rank, alpha, targets, dropout.
    public var lora: LoRASettings
    /// AdamW or SGD and their constants.
    public var optimizer: OptimizerSettings
    /// Peak learning rate.
    public var learningRate: Float
    /// Linear warm-up steps.
    public var warmupSteps: Int
    /// The decay after warm-up.
    public var decay: LearningRateSchedule.Decay
    /// Optimizer steps; nil: derived from `epochs`.
    public var steps: Int?
    /// Passes over the data when `steps` is nil.
    public var epochs: Int
    /// Sequences per micro-batch.
    public var batchSize: Int
    /// Micro-batches whose gradients add up to one optimizer step.
    public var gradientAccumulation: Int
    /// Global-norm clipping threshold; 0 turns clipping off.
    public var maxGradientNorm: Float
    /// Seeds initialization, data order and dropout.
    public var seed: UInt64
    /// Save a checkpoint every N optimizer steps (0: only at the end).
    public var saveEvery: Int
    /// Validation loss every N steps (0: only at the end).
    public var validateEvery: Int
    /// How new adapters start (ignored with an initial adapter).
    public var initialization: LoRAInitialization
    /// Recompute activations per layer in backward to save memory.
    public var checkpointActivations: Bool
    /// Keep at most this many MB of activations per step, recomputing the first layers in backward
    /// (`LoRATrainingModel.maxActivationBytes`); nil: keep every layer's.
    public var maxActivationMB: Int?
    /// Arithmetic of the products with frozen weights: f32, bf16 (needs AVX-512 BF16) or int8 (see `ComputePrecision`).
    public var precision: ComputePrecision

    public init(lora: LoRASettings = LoRASettings(), optimizer: OptimizerSettings = OptimizerSettings(),
                learningRate: Float = 1e-4, warmupSteps: Int = 0, decay: LearningRateSchedule.Decay = .constant,
                steps: Int? = nil, epochs: Int = 1, batchSize: Int = 4, gradientAccumulation: Int = 1,
                maxGradientNorm: Float = 0, seed: UInt64 = 0, saveEvery: Int = 0, validateEvery: Int = 0,
                initialization: LoRAInitialization = .kaiming, checkpointActivations: Bool = false,
                maxActivationMB: Int? = nil, precision: ComputePrecision = .f32) {
        self.lora = lora; self.optimizer = optimizer; self.learningRate = learningRate; self.warmupSteps = warmupSteps
        self.decay = decay; self.steps = steps; self.epochs = epochs; self.batchSize = batchSize
        self.gradientAccumulation = gradientAccumulation; self.maxGradientNorm = maxGradientNorm; self.seed = seed
        self.saveEvery = saveEvery; self.validateEvery = validateEvery; self.initialization = initialization
        self.checkpointActivations = checkpointActivations; self.maxActivationMB = maxActivationMB
        self.precision = precision
    }
}

// Coding writes `precision` only when it is not f32 (and `maxActivationMB` only when set), and reads
// their absence as f32 (no limit): checkpoints,
// store rows and `tollgate run` training markers written before the setting existed keep their
// meaning (and their bytes, so finished trainings are still recognised).
extension TrainingSettings {
    private enum CodingKeys: String, CodingKey {
        case lora, optimizer, learningRate, warmupSteps, decay, steps, epochs, batchSize, gradientAccumulation,
             maxGradientNorm, seed, saveEvery, validateEvery, initialization, checkpointActivations, maxActivationMB, precision
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lora: try c.decode(LoRASettings.self, forKey: .lora),
                  optimizer: try c.decode(OptimizerSettings.self, forKey: .optimizer),
                  learningRate: try c.decode(Float.self, forKey: .learningRate),
                  warmupSteps: try c.decode(Int.self, forKey: .warmupSteps),
                  decay: try c.decode(LearningRateSchedule.Decay.self, forKey: .decay),
                  steps: try c.decodeIfPresent(Int.self, forKey: .steps),
                  epochs: try c.decode(Int.self, forKey: .epochs),
                  batchSize: try c.decode(Int.self, forKey: .batchSize),
                  gradientAccumulation: try c.decode(Int.self, forKey: .gradientAccumulation),
                  maxGradientNorm: try c.decode(Float.self, forKey: .maxGradientNorm),
                  seed: try c.decode(UInt64.self, forKey: .seed),
                  saveEvery: try c.decode(Int.self, forKey: .saveEvery),
                  validateEvery: try c.decode(Int.self, forKey: .validateEvery),
                  initialization: try c.decode(LoRAInitialization.self, forKey: .initialization),
                  checkpointActivations: try c.decode(Bool.self, forKey: .checkpointActivations),
                  maxActivationMB: try c.decodeIfPresent(Int.self, forKey: .maxActivationMB),
                  precision: try c.decodeIfPresent(ComputePrecision.self, forKey: .precision) ?? .f32)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lora, forKey: .lora)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(warmupSteps, forKey: .warmupSteps)
        try c.encode(decay, forKey: .decay)
        try c.encodeIfPresent(steps, forKey: .steps)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(gradientAccumulation, forKey: .gradientAccumulation)
        try c.encode(maxGradientNorm, forKey: .maxGradientNorm)
        try c.encode(seed, forKey: .seed)
        try c.encode(saveEvery, forKey: .saveEvery)
        try c.encode(validateEvery, forKey: .validateEvery)
        try c.encode(initialization, forKey: .initialization)
        try c.encode(checkpointActivations, forKey: .checkpointActivations)
        try c.encodeIfPresent(maxActivationMB, forKey: .maxActivationMB)
        if precision != .f32 { try c.encode(precision, forKey: .precision) }
    }
}

/// What the trainer reports after each optimizer step (and validation).
public struct TrainingProgress: Sendable, Codable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    /// Token-weighted mean training loss of this step.
    public var loss: Double
    public var learningRate: Float
    public var gradientNorm: Float
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double
    public var etaSeconds: Double
    /// Set on steps where validation ran.
    public var validationLoss: Double?
    /// Set when a checkpoint was written at this step.
    public var checkpoint: String?
}

/// The outcome of a finished run.
public struct TrainingResult: Sendable {
    public var parameters: LoRAParameters
    public var steps: Int
    public var finalLoss: Double
    public var validationLoss: Double?
    public var adapterDirectory: URL
}
