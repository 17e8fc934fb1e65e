import Foundation
import TensorKit

/// The Llama forward pass with LoRA and its backward pass to the adapter parameters, llm.c style:
/// a layer is a list of kernel calls, and backward is the same list reversed. The base weights are
/// frozen; they carry gradients through but receive none.
public final class LoRATrainingModel: @unchecked Sendable {
    /// Embedding, norms and head. The projection matrices move into `frozen` at init (aligned
    /// buffers, or bf16 packs), so they are held once (their arrays here are empty).
    public let weights: FrozenWeights
    /// Keep only each layer's input in the forward pass and recompute the rest during backward:
    /// about one more forward's work for a fraction of the activation memory.
    public var checkpointActivations: Bool
    private var ropeTables: [Int: RoPETable] = [:]
    /// The projections and LM head as their products read them, in the model's precision.
    private let frozen: FrozenOperands
    private let lock = NSLock()
    /// Buffers of the last training step, reused by the next (see TrainingWorkspace).
    private var workspace: TrainingWorkspace?

    /// `precision` is the arithmetic of every product with a frozen weight (see `ComputePrecision`);
    /// throws `precisionUnavailable` when this CPU cannot run it.
    public init(weights: FrozenWeights, checkpointActivations: Bool = false, precision: ComputePrecision = .f32) throws {
        try weights.validate()
        self.checkpointActivations = checkpointActivations
        var stripped = weights
        frozen = try FrozenOperands(weights: &stripped, precision: precision)
        self.weights = stripped
    }

    public var shape: ModelShape { weights.shape }

    /// The arithmetic of the products with frozen weights.
    public var precision: ComputePrecision { frozen.precision }

    private func ropeTable(length: Int) -> RoPETable {
        lock.lock(); defer { lock.unlock() }
        if let table = ropeTables[length] { return table }
        let table = RoPETable(headDim: shape.headDim, length: length, base: shape.ropeBase)
        ropeTables[length] = table
        return table
    }

    /// Sum over positions with targets ≥ 0 of the token loss, and adds gradScale × its gradient
    /// with respect to every LoRA parameter into `gradients` (same layout as `lora`).
    /// tokens and targets (B, T) row-major; targets −1 where no loss is taken.
    /// dropoutSeed draws the adapter-input dropout masks (ignored when the settings have no dropout).
    public func accumulateGradients(tokens: [Int32], targets: [Int32], batch b: Int, time t: Int,
                                    lora: LoRAParameters, gradients: inout LoRAParameters,
                                    gradScale: Float, dropoutSeed: UInt64 = 0) throws -> Double {
        try checkTokens(tokens, targets: targets, count: b * t)
        return frozen.withProductThreads {
            forwardBackward(tokens: tokens, targets: targets, batch: b, time: t, lora: lora, gradients: &gradients,
                            gradScale: gradScale, dropoutSeed: dropoutSeed)
        }
    }

    /// `accumulateGradients` on checked tokens.
    private func forwardBackward(tokens: [Int32], targets: [Int32], batch b: Int, time t: Int, lora: LoRAParameters,
                                 gradients: inout LoRAParameters, gradScale: Float, dropoutSeed: UInt64) -> Double {
        let n = b * t, c = shape.width
        let table = ropeTable(length: t)
        let loraBuffer = FloatBuffer(lora.values)
        let gradientBuffer = FloatBuffer(gradients.values)
        let ws = checkOutWorkspace(rows: n, attentionRows: n * t, lora: lora.settings)
        defer { checkIn(ws) }
        embed(tokens, into: ws.residuals[0])
        for l in 0..<shape.layers {
            layerForward(l, out: ws.residuals[l + 1], inp: ws.residuals[l], acts: ws.layer(l), b: b, t: t, table: table,
                         lora: lora, loraValues: loraBuffer, dropoutSeed: dropoutSeed)
        }
        rmsnormForward(out: ws.finalNorm.p, rstd: ws.finalRstd.p, inp: ws.residuals[shape.layers].p,
                       weight: weights.outputNorm, n: n, c: c, eps: shape.normEps)
        ws.dfinal.zero(n * c)
        let lossSum = frozen.withHead(weights) { head in
            maskedCrossEntropy(dinp: ws.dfinal.p, inp: ws.finalNorm.p, weight: head, targets: targets,
                               n: n, c: c, v: shape.vocabulary, gradScale: gradScale, logitsScratch: ws.headLogits.p)
        }
        var (dres, dinp) = ws.dresidual
        dres.zero(n * c)
        rmsnormBackward(dinp: dres.p, dweight: nil, dout: ws.dfinal.p, inp: ws.residuals[shape.layers].p,
                        weight: weights.outputNorm, rstd: ws.finalRstd.p, n: n, c: c)
        for l in stride(from: shape.layers - 1, through: 0, by: -1) {
            if !ws.keepsEveryLayer {
                layerForward(l, out: ws.recomputedOutput, inp: ws.residuals[l], acts: ws.layer(l), b: b, t: t,
                             table: table, lora: lora, loraValues: loraBuffer, dropoutSeed: dropoutSeed)
            }
            // the embedding is frozen: below layer 0 no gradient is needed
            layerBackward(l, dinp: l > 0 ? dinp : nil, dout: dres, inp: ws.residuals[l], acts: ws.layer(l),
                          scratch: ws.scratch, b: b, t: t, table: table, lora: lora, loraValues: loraBuffer,
                          gradients: gradientBuffer)
            swap(&dres, &dinp)
        }
        gradients.values = gradientBuffer.array
        return lossSum
    }

    /// The workspace of the previous call when this step fits in it, else a new one that can also
    /// hold the previous call's shape.
    private func checkOutWorkspace(rows: Int, attentionRows: Int, lora: LoRASettings) -> TrainingWorkspace {
        lock.lock()
        let cached = workspace
        workspace = nil
        lock.unlock()
        if let cached, cached.fits(rows: rows, attentionRows: attentionRows, lora: lora, keepsEveryLayer: !checkpointActivations) {
            return cached
        }
        let sameKind = cached.map { $0.lora == lora && $0.keepsEveryLayer == !checkpointActivations } ?? false
        return TrainingWorkspace(shape: shape, rows: max(rows, sameKind ? cached!.rows : 0),
                                 attentionRows: max(attentionRows, sameKind ? cached!.attentionRows : 0),
                                 lora: lora, keepsEveryLayer: !checkpointActivations)
    }

    private func checkIn(_ ws: TrainingWorkspace) {
        lock.lock(); defer { lock.unlock() }
        workspace = ws
    }

    /// The loss sum without gradients (validation).
    public func lossSum(tokens: [Int32], targets: [Int32], batch b: Int, time t: Int, lora: LoRAParameters?) throws -> Double {
        try checkTokens(tokens, targets: targets, count: b * t)
        return frozen.withProductThreads {
            let final = hidden(tokens: tokens, batch: b, time: t, lora: lora)
            return frozen.withHead(weights) { head in
                maskedCrossEntropy(dinp: nil, inp: final.p, weight: head, targets: targets, n: b * t, c: shape.width,
                                   v: shape.vocabulary, gradScale: 1)
            }
        }
    }

    /// Logits (T, V) of one sequence, with the adapter when given.
    public func logits(tokens: [Int32], lora: LoRAParameters?) throws -> [Float] {
        try checkTokens(tokens, targets: [], count: tokens.count)
        let t = tokens.count
        return frozen.withProductThreads {
            let final = hidden(tokens: tokens, batch: 1, time: t, lora: lora)
            let out = FloatBuffer(count: t * shape.vocabulary)
            frozen.withHead(weights) { head in
                frozenLinearForward(out: out.p, inp: final.p, weight: head, n: t, c: shape.width, oc: shape.vocabulary)
            }
            return out.array
        }
    }

    /// Final-norm output (N, C).
    private func hidden(tokens: [Int32], batch b: Int, time t: Int, lora: LoRAParameters?) -> FloatBuffer {
        let n = b * t, c = shape.width
        let table = ropeTable(length: t)
        let loraBuffer = FloatBuffer(lora?.values ?? [])
        var x = FloatBuffer(count: n * c)
        embed(tokens, into: x)
        for l in 0..<shape.layers {
            let acts = LayerActivations(shape: shape, b: b, t: t, lora: lora)
            let next = FloatBuffer(count: n * c)
            layerForward(l, out: next, inp: x, acts: acts, b: b, t: t, table: table, lora: lora,
                         loraValues: loraBuffer, dropoutSeed: nil)
            x = next
        }
        let final = FloatBuffer(count: n * c), rstd = FloatBuffer(count: n)
        rmsnormForward(out: final.p, rstd: rstd.p, inp: x.p, weight: weights.outputNorm, n: n, c: c, eps: shape.normEps)
        return final
    }

    private func checkTokens(_ tokens: [Int32], targets: [Int32], count: Int) throws {
        precondition(tokens.count == count && (targets.isEmpty || targets.count == count))
        for id in tokens where id < 0 || Int(id) >= shape.vocabulary {
            throw TrainingError.tokenOutOfRange(id: Int(id), vocabulary: shape.vocabulary)
        }
        for id in targets where Int(id) >= shape.vocabulary {
            throw TrainingError.tokenOutOfRange(id: Int(id), vocabulary: shape.vocabulary)
        }
    }

    private func embed(_ tokens: [Int32], into x: FloatBuffer) {
        let c = shape.width
        weights.embedding.withUnsafeBufferPointer { table in
            for (row, id) in tokens.enumerated() {
                (x.p + row * c).update(from: table.baseAddress! + Int(id) * c, count: c)
            }
        }
    }

    // MARK: one layer

    /// out (N, C) = the decoder layer applied to inp (N, C); fills acts.
    private func layerForward(_ l: Int, out: FloatBuffer, inp: FloatBuffer, acts: LayerActivations, b: Int, t: Int,
                              table: RoPETable, lora: LoRAParameters?, loraValues: FloatBuffer, dropoutSeed: UInt64?) {
        let s = shape, n = b * t, w = weights.layers[l]
        rmsnormForward(out: acts.h1.p, rstd: acts.rstd1.p, inp: inp.p, weight: w.attentionNorm, n: n, c: s.width, eps: s.normEps)
        linear(l, .q, out: acts.q, inp: acts.h1, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        linear(l, .k, out: acts.k, inp: acts.h1, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        linear(l, .v, out: acts.v, inp: acts.h1, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        ropeForward(acts.q.p, table: table, b: b, t: t, nh: s.heads)
        ropeForward(acts.k.p, table: table, b: b, t: t, nh: s.kvHeads)
        attentionForward(out: acts.attOut.p, att: acts.att.p, q: acts.q.p, k: acts.k.p, v: acts.v.p,
                         shape: AttentionShape(b: b, t: t, nh: s.heads, nkv: s.kvHeads, hd: s.headDim))
        linear(l, .o, out: acts.x2, inp: acts.attOut, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        Elementwise.add(out: acts.x2.p, a: acts.x2.p, b: inp.p, count: n * s.width)
        rmsnormForward(out: acts.h2.p, rstd: acts.rstd2.p, inp: acts.x2.p, weight: w.ffnNorm, n: n, c: s.width, eps: s.normEps)
        linear(l, .gate, out: acts.gate, inp: acts.h2, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        linear(l, .up, out: acts.up, inp: acts.h2, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        swigluForward(out: acts.swiglu.p, gate: acts.gate.p, up: acts.up.p, count: n * s.ffnWidth)
        linear(l, .down, out: out, inp: acts.swiglu, acts: acts, n: n, lora: lora, loraValues: loraValues, dropoutSeed: dropoutSeed)
        Elementwise.add(out: out.p, a: out.p, b: acts.x2.p, count: n * s.width)
    }

    /// dinp (N, C) = the layer's gradient at its input, given dout (N, C) at its output; nil when
    /// only the adapter gradients are wanted (layer 0). Each scratch gradient is written by its first
    /// product (accumulate: false), so nothing is zero-filled first.
    private func layerBackward(_ l: Int, dinp: FloatBuffer?, dout: FloatBuffer, inp: FloatBuffer, acts: LayerActivations,
                               scratch g: LayerGradients, b: Int, t: Int, table: RoPETable,
                               lora: LoRAParameters, loraValues: FloatBuffer, gradients: FloatBuffer) {
        let s = shape, n = b * t, w = weights.layers[l]
        func back(_ projection: LoRAProjection, dinp: FloatBuffer?, accumulate: Bool, dout: FloatBuffer, inp: FloatBuffer) {
            linearBackward(l, projection, dinp: dinp, accumulate: accumulate, dout: dout, inp: inp, acts: acts, n: n,
                           lora: lora, loraValues: loraValues, gradients: gradients)
        }
        // dx2 = dout (residual) + through the MLP; built in dinp when there is one
        let dx2 = dinp ?? g.dx2
        dx2.p.update(from: dout.p, count: n * s.width)
        back(.down, dinp: g.dswiglu, accumulate: false, dout: dout, inp: acts.swiglu)
        swigluBackward(dgate: g.dgate.p, dup: g.dup.p, dout: g.dswiglu.p, gate: acts.gate.p, up: acts.up.p,
                       count: n * s.ffnWidth, accumulate: false)
        back(.gate, dinp: g.dh, accumulate: false, dout: g.dgate, inp: acts.h2)
        back(.up, dinp: g.dh, accumulate: true, dout: g.dup, inp: acts.h2)
        rmsnormBackward(dinp: dx2.p, dweight: nil, dout: g.dh.p, inp: acts.x2.p, weight: w.ffnNorm, rstd: acts.rstd2.p, n: n, c: s.width)
        // through attention
        back(.o, dinp: g.dattOut, accumulate: false, dout: dx2, inp: acts.attOut)
        g.dq.zero(n * s.qWidth); g.dk.zero(n * s.kvWidth); g.dv.zero(n * s.kvWidth)
        attentionBackward(dq: g.dq.p, dk: g.dk.p, dv: g.dv.p, dout: g.dattOut.p, q: acts.q.p, k: acts.k.p, v: acts.v.p,
                          att: acts.att.p, shape: AttentionShape(b: b, t: t, nh: s.heads, nkv: s.kvHeads, hd: s.headDim))
        ropeBackward(g.dq.p, table: table, b: b, t: t, nh: s.heads)
        ropeBackward(g.dk.p, table: table, b: b, t: t, nh: s.kvHeads)
        let dh = dinp == nil ? nil : g.dh
        back(.q, dinp: dh, accumulate: false, dout: g.dq, inp: acts.h1)
        back(.k, dinp: dh, accumulate: true, dout: g.dk, inp: acts.h1)
        back(.v, dinp: dh, accumulate: true, dout: g.dv, inp: acts.h1)
        guard let dinp else { return }
        // dinp = dx2 (already in place) + through the attention norm
        rmsnormBackward(dinp: dinp.p, dweight: nil, dout: g.dh.p, inp: inp.p, weight: w.attentionNorm, rstd: acts.rstd1.p, n: n, c: s.width)
    }

    private func linear(_ l: Int, _ projection: LoRAProjection, out: FloatBuffer, inp: FloatBuffer, acts: LayerActivations,
                        n: Int, lora: LoRAParameters?, loraValues: FloatBuffer, dropoutSeed: UInt64?) {
        let (input, output) = shape.dimensions(of: projection)
        let weight = frozen.projection(l, projection)
        guard let lora, let slot = lora.slot(layer: l, projection: projection), let xa = acts.xa[projection] else {
            loraLinearForward(out: out.p, xa: nil, inp: inp.p, mask: nil, weight: weight, a: nil, b: nil, scale: 0,
                              shape: LinearShape(n: n, c: input, oc: output, r: 0))
            return
        }
        var mask: FloatBuffer?
        if let dropoutSeed, lora.settings.dropout > 0 {
            let m = FloatBuffer(count: n * input)
            fillDropoutMask(m, probability: lora.settings.dropout, seed: dropoutSeed, layer: l, projection: projection)
            acts.masks[projection] = m
            mask = m
        }
        loraLinearForward(out: out.p, xa: xa.p, inp: inp.p, mask: mask.map { UnsafePointer($0.p) },
                          weight: weight, a: loraValues.p + slot.aOffset, b: loraValues.p + slot.bOffset,
                          scale: lora.settings.scale, shape: LinearShape(n: n, c: input, oc: output, r: lora.settings.rank))
    }

    private func linearBackward(_ l: Int, _ projection: LoRAProjection, dinp: FloatBuffer?, accumulate: Bool,
                                dout: FloatBuffer, inp: FloatBuffer, acts: LayerActivations, n: Int,
                                lora: LoRAParameters, loraValues: FloatBuffer, gradients: FloatBuffer) {
        let (input, output) = shape.dimensions(of: projection)
        let weight = frozen.projection(l, projection)
        let linearShape = LinearShape(n: n, c: input, oc: output, r: lora.settings.rank)
        guard let slot = lora.slot(layer: l, projection: projection), let xa = acts.xa[projection] else {
            loraLinearBackward(dinp: dinp?.p, accumulate: accumulate, da: nil, db: nil, dout: dout.p, inp: inp.p, mask: nil,
                               xa: nil, weight: weight, a: nil, b: nil, scale: 0, shape: linearShape)
            return
        }
        loraLinearBackward(dinp: dinp?.p, accumulate: accumulate, da: gradients.p + slot.aOffset, db: gradients.p + slot.bOffset, dout: dout.p,
                           inp: inp.p, mask: acts.masks[projection].map { UnsafePointer($0.p) }, xa: xa.p,
                           weight: weight, a: loraValues.p + slot.aOffset, b: loraValues.p + slot.bOffset,
                           scale: lora.settings.scale, shape: linearShape)
    }

    /// Mask entries 0 with probability p, else 1/(1 − p); a function of (seed, layer, projection) only,
    /// so recomputing a checkpointed layer draws the same mask.
    private func fillDropoutMask(_ mask: FloatBuffer, probability: Float, seed: UInt64, layer: Int, projection: LoRAProjection) {
        var rng = TrainingRNG(seed: seed ^ (UInt64(layer) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(LoRAProjection.allCases.firstIndex(of: projection)! + 1) << 56)
        let keep = 1 / (1 - probability)
        for i in 0..<mask.count { mask.p[i] = rng.nextFloat() < probability ? 0 : keep }
    }
}
