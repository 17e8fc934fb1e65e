import Foundation

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

    public init(lora: LoRASettings = LoRASettings(), optimizer: OptimizerSettings = OptimizerSettings(),
                learningRate: Float = 1e-4, warmupSteps: Int = 0, decay: LearningRateSchedule.Decay = .constant,
                steps: Int? = nil, epochs: Int = 1, batchSize: Int = 4, gradientAccumulation: Int = 1,
                maxGradientNorm: Float = 0, seed: UInt64 = 0, saveEvery: Int = 0, validateEvery: Int = 0,
                initialization: LoRAInitialization = .kaiming, checkpointActivations: Bool = false) {
        self.lora = lora; self.optimizer = optimizer; self.learningRate = learningRate; self.warmupSteps = warmupSteps
        self.decay = decay; self.steps = steps; self.epochs = epochs; self.batchSize = batchSize
        self.gradientAccumulation = gradientAccumulation; self.maxGradientNorm = maxGradientNorm; self.seed = seed
        self.saveEvery = saveEvery; self.validateEvery = validateEvery; self.initialization = initialization
        self.checkpointActivations = checkpointActivations
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
