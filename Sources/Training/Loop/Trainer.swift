import Foundation

/// The LoRA training loop: length-bucketed batches, token-weighted loss, gradient accumulation,
/// clipping, a learning-rate schedule, validation, checkpoints and exact resume. Reports through a
/// callback; never prints.
public final class Trainer {
    public let model: LoRATrainingModel
    public let settings: TrainingSettings
    public let trainingSet: [TokenSequence]
    public let validationSet: [TokenSequence]
    public let output: URL
    /// Written into adapter_config.json's base_model_name_or_path.
    public let baseModelName: String

    public init(model: LoRATrainingModel, settings: TrainingSettings, trainingSet: [TokenSequence],
                validationSet: [TokenSequence] = [], output: URL, baseModelName: String) throws {
        guard trainingSet.contains(where: { $0.lossTokens > 0 }) else {
            throw TrainingError.noTrainingTokens(file: "training data")
        }
        self.model = model; self.settings = settings; self.trainingSet = trainingSet
        self.validationSet = validationSet; self.output = output; self.baseModelName = baseModelName
        precondition(model.precision == settings.precision, "the model was built for \(model.precision) products, the settings ask for \(settings.precision)")
        model.checkpointActivations = settings.checkpointActivations
        model.maxActivationBytes = settings.maxActivationMB.map { $0 << 20 }
    }

    private var batchesPerEpoch: Int { (trainingSet.count + settings.batchSize - 1) / settings.batchSize }

    /// Optimizer steps of the whole run.
    public var totalSteps: Int {
        settings.steps ?? max(1, settings.epochs * batchesPerEpoch / max(1, settings.gradientAccumulation))
    }

    /// Runs to the last step. `initial`: start from these parameters (fresh optimizer); `resume`:
    /// continue from the newest checkpoint in `output`.
    public func run(initial: LoRAParameters? = nil, resume: Bool = false,
                    progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        var parameters: LoRAParameters
        var optimizer: OptimizerState
        var state: TrainingState
        if resume {
            (parameters, optimizer, state) = try TrainingCheckpoint.load(out: output, shape: model.config)
            guard state.settings.precision == settings.precision else {
                throw TrainingError.resumeMismatch(path: output.path, reason: "the checkpoint was trained in \(state.settings.precision.rawValue) precision and this run asks for \(settings.precision.rawValue)")
            }
            guard state.settings == settings else {
                throw TrainingError.resumeMismatch(path: output.path, reason: "the checkpoint was made with other training settings")
            }
            guard state.exampleCount == trainingSet.count else {
                throw TrainingError.resumeMismatch(path: output.path, reason: "the checkpoint saw \(state.exampleCount) examples, the data now has \(trainingSet.count)")
            }
        } else {
            var rng = TrainingRNG(seed: settings.seed)
            if let initial {
                parameters = initial
            } else {
                parameters = LoRAParameters(shape: model.config, settings: settings.lora)
                var weights = model.base.weights
                try parameters.initialize(settings.initialization == .pissa ? .kaiming : settings.initialization,
                                          rng: &rng, weights: &weights)
            }
            optimizer = OptimizerState(settings: settings.optimizer, parameterCount: parameters.values.count)
            state = TrainingState(step: 0, epoch: 0, order: [], cursor: 0, rng: rng, optimizerStep: 0,
                                  settings: settings, exampleCount: trainingSet.count)
            state.order = epochOrder(rng: &state.rng)
        }
        let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                            totalSteps: totalSteps, decay: settings.decay)
        let started = Date()
        var tokensSeen = 0
        var lastLoss = Double.nan, lastValidation: Double?
        while state.step < totalSteps {
            // gather this step's micro-batches
            var micro: [PaddedBatch] = []
            for _ in 0..<max(1, settings.gradientAccumulation) {
                if state.cursor >= state.order.count {
                    state.epoch += 1
                    state.cursor = 0
                    state.order = epochOrder(rng: &state.rng)
                }
                micro.append(PaddedBatch(state.order[state.cursor].map { trainingSet[$0] }))
                state.cursor += 1
            }
            let lossTokens = micro.reduce(0) { $0 + $1.lossTokens }
            var gradients = parameters.zeros()
            var lossSum = 0.0
            if lossTokens > 0 {
                for batch in micro {
                    let dropoutSeed = state.rng.next()
                    lossSum += try model.accumulateGradients(tokens: batch.tokens, targets: batch.targets, batch: batch.batch,
                                                             time: batch.time, lora: parameters, gradients: &gradients,
                                                             gradScale: 1 / Float(lossTokens), dropoutSeed: dropoutSeed)
                    tokensSeen += batch.batch * batch.time
                }
            }
            let gradientNorm = clipGradientNorm(&gradients.values, maxNorm: settings.maxGradientNorm)
            let rate = schedule.rate(at: state.step)
            optimizer.update(&parameters.values, gradients: gradients.values, learningRate: rate)
            state.step += 1
            state.optimizerStep = optimizer.step
            lastLoss = lossTokens > 0 ? lossSum / Double(lossTokens) : 0
            var validation: Double?
            let isLast = state.step == totalSteps
            if !validationSet.isEmpty, isLast || (settings.validateEvery > 0 && state.step % settings.validateEvery == 0) {
                validation = try validationLoss(parameters)
                lastValidation = validation
            }
            var checkpoint: String?
            if isLast || (settings.saveEvery > 0 && state.step % settings.saveEvery == 0) {
                checkpoint = try TrainingCheckpoint.save(parameters: parameters, optimizer: optimizer, state: state,
                                                         out: output, baseModel: baseModelName).path
            }
            let elapsed = Date().timeIntervalSince(started)
            let perStep = elapsed / Double(max(1, state.step))
            progress(TrainingProgress(step: state.step, totalSteps: totalSteps, epoch: state.epoch, loss: lastLoss,
                                      learningRate: rate, gradientNorm: gradientNorm,
                                      tokensPerSecond: Double(tokensSeen) / max(elapsed, 1e-9), elapsedSeconds: elapsed,
                                      etaSeconds: perStep * Double(totalSteps - state.step),
                                      validationLoss: validation, checkpoint: checkpoint))
        }
        try PEFTAdapter.save(parameters, to: output, baseModel: baseModelName)
        return TrainingResult(parameters: parameters, steps: state.step, finalLoss: lastLoss,
                              validationLoss: lastValidation, adapterDirectory: output)
    }

    /// Token-weighted mean loss over the validation set.
    public func validationLoss(_ parameters: LoRAParameters) throws -> Double {
        var sum = 0.0, tokens = 0
        for indices in lengthBucketedBatches(validationSet, batchSize: settings.batchSize) {
            let batch = PaddedBatch(indices.map { validationSet[$0] })
            guard batch.lossTokens > 0 else { continue }
            sum += try model.lossSum(tokens: batch.tokens, targets: batch.targets, batch: batch.batch, time: batch.time,
                                     lora: parameters)
            tokens += batch.lossTokens
        }
        return tokens > 0 ? sum / Double(tokens) : .nan
    }

    /// This epoch's batches in a shuffled order.
    private func epochOrder(rng: inout TrainingRNG) -> [[Int]] {
        var batches = lengthBucketedBatches(trainingSet, batchSize: settings.batchSize)
        rng.shuffle(&batches)
        return batches
    }
}
