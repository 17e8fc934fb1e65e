import Foundation
import Llama
import TensorKit

/// The backward pass of the Llama forward (`LlamaModel.forward`) to the LoRA parameters, llm.c
/// style: the forward is the model's own list of kernel calls per layer, with its activations kept;
/// backward is that list reversed. The base weights are frozen; they carry gradients through but
/// receive none. Legend: B batch, T time, N = B·T, C width, V vocabulary.
public final class LoRATrainingModel: @unchecked Sendable {
    /// The frozen base model. Its forward pass is the training forward; `.bf16` and `.int8` models
    /// must be loaded for `.training`.
    public let base: LlamaModel
    /// Keep only each layer's input in the forward pass and recompute the rest during backward:
    /// about one more forward's work for a fraction of the activation memory.
    public var checkpointActivations: Bool
    /// Without `checkpointActivations`: the most bytes of activations a step keeps; the first layers
    /// are recomputed in backward (each about 1/L of a forward's work) until the rest fits. Nil: no limit.
    public var maxActivationBytes: Int?
    private let lock = NSLock()
    /// Buffers of the last training step, reused by the next (see TrainingWorkspace).
    private var workspace: TrainingWorkspace?

    public init(base: LlamaModel, checkpointActivations: Bool = false) throws {
        guard base.hasInputGradients else {
            throw TrainingError.precisionUnavailable(reason: "the \(base.precision) model was loaded without the packs a backward pass needs; load it for training")
        }
        self.base = base
        self.checkpointActivations = checkpointActivations
    }

    /// Loads the GGUF at `modelURL` for training in `precision`; throws `precisionUnavailable` when
    /// this CPU cannot run it.
    public convenience init(modelURL: URL, checkpointActivations: Bool = false, precision: ComputePrecision = .f32) throws {
        if let reason = precision.unavailableReason { throw TrainingError.precisionUnavailable(reason: reason) }
        try self.init(base: try LlamaModel.load(url: modelURL, precision: precision, use: .training),
                      checkpointActivations: checkpointActivations)
    }

    public var config: LlamaConfig { base.config }
    /// Layers the last step recomputed in backward (0 when every layer's activations were kept).
    public var recomputedLayers: Int {
        lock.lock(); defer { lock.unlock() }
        return workspace?.activations.recomputedLayers ?? 0
    }
    /// The arithmetic of the products with frozen weights.
    public var precision: ComputePrecision { base.precision }

    /// Sum over positions with targets ≥ 0 of the token loss, and adds gradScale × its gradient
    /// with respect to every LoRA parameter into `gradients` (same layout as `lora`).
    /// tokens and targets (B, T) row-major; targets −1 where no loss is taken.
    /// dropoutSeed draws the adapter-input dropout masks (ignored when the settings have no dropout).
    public func accumulateGradients(tokens: [Int32], targets: [Int32], batch b: Int, time t: Int,
                                    lora: LoRAParameters, gradients: inout LoRAParameters,
                                    gradScale: Float, dropoutSeed: UInt64 = 0) throws -> Double {
        try checkTokens(tokens, targets: targets, count: b * t)
        let loraValues = FloatBuffer(lora.values)
        let gradientBuffer = FloatBuffer(gradients.values)
        let segments = Self.segments(batch: b, time: t)
        let ws = checkOutWorkspace(rows: b * t, segments: segments, lora: lora.settings)
        defer { checkIn(ws) }
        let lossSum = try withProductThreads {
            _ = try base.forward(tokens: tokens.map(Int.init), segments: segments, cache: nil, logitRows: .none,
                                 keeping: ws.activations, adapter: operands(lora, values: loraValues, dropoutSeed: dropoutSeed),
                                 products: .float32)
            return backward(targets: targets, batch: b, time: t, lora: lora, loraValues: loraValues,
                            gradients: gradientBuffer, gradScale: gradScale, ws: ws)
        }
        gradients.values = gradientBuffer.array
        return lossSum
    }

    /// The loss through the LM head, then every layer backward from the kept activations.
    private func backward(targets: [Int32], batch b: Int, time t: Int, lora: LoRAParameters, loraValues: FloatBuffer,
                          gradients: FloatBuffer, gradScale: Float, ws: TrainingWorkspace) -> Double {
        let n = b * t, c = config.dim, acts = ws.activations
        ws.dfinal.zero(n * c)
        let lossSum = maskedCrossEntropy(dinp: ws.dfinal.p, inp: acts.finalNormed.p, weight: base.headOperand,
                                         targets: targets, n: n, c: c, v: config.vocabSize, gradScale: gradScale,
                                         logitsScratch: ws.headLogits.p)
        var (dres, dinp) = ws.dresidual
        dres.zero(n * c)
        rmsnormBackward(dinp: dres.p, dweight: nil, dout: ws.dfinal.p, inp: acts.residuals[config.layers].p,
                        weight: base.weights.finalNorm.p, rstd: acts.finalRstd.p, n: n, c: c)
        let pass = LayerBackward(model: base, activations: acts, scratch: ws.scratch, batch: b, time: t, lora: lora,
                                 loraValues: loraValues, gradients: gradients)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            if acts.needsRecompute(l) { base.recompute(layer: l, in: acts) }
            // the embedding is frozen: below layer 0 no gradient is needed
            pass.run(l, dinp: l > 0 ? dinp : nil, dout: dres)
            swap(&dres, &dinp)
        }
        return lossSum
    }

    /// The loss sum without gradients (validation).
    public func lossSum(tokens: [Int32], targets: [Int32], batch b: Int, time t: Int, lora: LoRAParameters?) throws -> Double {
        try checkTokens(tokens, targets: targets, count: b * t)
        return try withProductThreads {
            let hidden = try base.forward(tokens: tokens.map(Int.init), segments: Self.segments(batch: b, time: t), cache: nil,
                                          logitRows: .none, adapter: lora.map { operands($0, values: FloatBuffer($0.values)) },
                                          products: .float32).hidden!
            return maskedCrossEntropy(dinp: nil, inp: hidden.p, weight: base.headOperand, targets: targets, n: b * t,
                                      c: config.dim, v: config.vocabSize, gradScale: 1)
        }
    }

    /// Logits (T, V) of one sequence, with the adapter when given.
    public func logits(tokens: [Int32], lora: LoRAParameters?) throws -> [Float] {
        try checkTokens(tokens, targets: [], count: tokens.count)
        return try withProductThreads {
            try base.forward(tokens: tokens.map(Int.init), segments: Self.segments(batch: 1, time: tokens.count), cache: nil,
                             logitRows: .all, adapter: lora.map { operands($0, values: FloatBuffer($0.values)) },
                             products: .float32).logits.storage.array
        }
    }

    /// B sequences of T tokens, each from position 0.
    static func segments(batch: Int, time: Int) -> [SequenceSegment] {
        (0..<batch).map { SequenceSegment(slot: $0, start: 0, count: time) }
    }

    /// `lora` as the forward pass multiplies it, over `values` (its parameters in a buffer the
    /// backward pass reads too); with a dropout seed when the settings have dropout.
    private func operands(_ lora: LoRAParameters, values: FloatBuffer, dropoutSeed: UInt64? = nil) -> AdapterOperands {
        var layers = [[LoRATarget: (aOffset: Int, bOffset: Int, rank: Int)]](repeating: [:], count: config.layers)
        for slot in lora.slots { layers[slot.layer][slot.projection] = (slot.aOffset, slot.bOffset, lora.settings.rank) }
        let probability = lora.settings.dropout
        // the members of a fused module see one input, dropped once (PEFT drops the module's input)
        let family = config.family
        let dropout = dropoutSeed.flatMap { seed in
            probability > 0 ? LoRADropout(probability: probability) { layer, target, mask, count in
                Self.fillDropoutMask(mask, count: count, probability: probability, seed: seed, layer: layer,
                                     projection: family.fusedProjection(containing: target)?.leader ?? target)
            } : nil
        }
        return AdapterOperands(values: values, scale: lora.settings.scale, layers: layers, dropout: dropout)
    }

    /// Mask entries 0 with probability p, else 1/(1 − p); a function of (seed, layer, projection) only,
    /// so recomputing a checkpointed layer draws the same mask.
    private static func fillDropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float, seed: UInt64,
                                        layer: Int, projection: LoRAProjection) {
        var rng = TrainingRNG(seed: seed ^ (UInt64(layer) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(LoRAProjection.allCases.firstIndex(of: projection)! + 1) << 56)
        let keep = 1 / (1 - probability)
        for i in 0..<count { mask[i] = rng.nextFloat() < probability ? 0 : keep }
    }

    /// The workspace of the previous call when this step fits in it, else a new one that can also
    /// hold the previous call's shape.
    private func checkOutWorkspace(rows: Int, segments: [SequenceSegment], lora: LoRASettings) -> TrainingWorkspace {
        lock.lock()
        let cached = workspace
        workspace = nil
        lock.unlock()
        let attentionRows = ForwardActivations.probabilityOffsets(segments: segments, heads: config.heads).total / config.heads
        let sameKind = cached.map { $0.lora == lora } ?? false
        let capacity = max(rows, sameKind ? cached!.rows : 0)
        let capacityRows = max(attentionRows, sameKind ? cached!.attentionRows : 0)
        let recomputed = checkpointActivations ? config.layers : maxActivationBytes.map {
            ForwardActivations.recomputedLayers(within: $0, config: config, capacity: capacity,
                                                probabilityCapacity: config.heads * capacityRows, adapted: Set(lora.targets))
        } ?? 0
        if let cached, cached.fits(rows: rows, attentionRows: attentionRows, lora: lora, recomputedLayers: recomputed) {
            return cached
        }
        return TrainingWorkspace(config: config, rows: capacity, attentionRows: capacityRows, lora: lora,
                                 recomputedLayers: recomputed)
    }

    private func checkIn(_ ws: TrainingWorkspace) {
        lock.lock(); defer { lock.unlock() }
        workspace = ws
    }

    /// Runs `body` with the BLAS threading its products want. In bf16 and int8 the float32 products
    /// left (the adapters', attention's) are small and run on one OpenBLAS thread: a multi-threaded
    /// sgemm leaves OpenBLAS's own threads spinning (yielding) after it, on the cores the packed
    /// products' pool workers need. Measured on bench's training line: 501–522 tok/s before, 555–612 after.
    private func withProductThreads<R>(_ body: () throws -> R) rethrows -> R {
        precision != .f32 ? try BLAS.withSingleThread(body) : try body()
    }

    private func checkTokens(_ tokens: [Int32], targets: [Int32], count: Int) throws {
        precondition(tokens.count == count && (targets.isEmpty || targets.count == count))
        for id in tokens where id < 0 || Int(id) >= config.vocabSize {
            throw TrainingError.tokenOutOfRange(id: Int(id), vocabulary: config.vocabSize)
        }
        for id in targets where Int(id) >= config.vocabSize {
            throw TrainingError.tokenOutOfRange(id: Int(id), vocabulary: config.vocabSize)
        }
    }
}
