import Foundation
import Llama
import TensorKit

/// One decoder layer's backward pass: `LlamaModel`'s per-layer list of kernel calls reversed, reading
/// the activations its forward kept. Legend: N = B·T rows, C width, F feed-forward width.
struct LayerBackward {
    let model: LlamaModel
    let activations: ForwardActivations
    let scratch: LayerGradients
    let batch: Int
    let time: Int
    let lora: LoRAParameters
    /// The parameters the forward multiplied by, and the gradients added into (same layout).
    let loraValues: FloatBuffer
    let gradients: FloatBuffer

    /// dinp (N, C) = the layer's gradient at its input, given dout (N, C) at its output; nil when
    /// only the adapter gradients are wanted (layer 0). Each scratch gradient is written by its first
    /// product (accumulate: false), so nothing is zero-filled first.
    func run(_ l: Int, dinp: FloatBuffer?, dout: FloatBuffer) {
        let config = model.config, n = batch * time, c = config.dim, hd = config.headDim, g = scratch
        let acts = activations.layer(l), input = activations.residuals[l], w = model.weights.layers[l]
        let attention = config.family.layers[l]
        func back(_ projection: LoRAProjection, dinp: FloatBuffer?, accumulate: Bool, dout: FloatBuffer, inp: FloatBuffer) {
            linearBackward(l, projection, dinp: dinp, accumulate: accumulate, dout: dout, inp: inp, acts: acts)
        }
        /// The gradient at a product that a post-norm (Gemma 3) follows: through the norm into
        /// `g.dprojected`; the gradient itself when there is none.
        func throughPostNorm(_ gradient: FloatBuffer, weight: FloatBuffer?, projected: FloatBuffer, rstd: FloatBuffer) -> FloatBuffer {
            guard let weight else { return gradient }
            g.dprojected.zero(n * c)
            rmsnormBackward(dinp: g.dprojected.p, dweight: nil, dout: gradient.p, inp: projected.p, weight: weight.p,
                            rstd: rstd.p, n: n, c: c)
            return g.dprojected
        }
        // dx2 = dout (residual) + through the MLP; built in dinp when there is one
        let dx2 = dinp ?? g.dx2
        dx2.p.update(from: dout.p, count: n * c)
        let dmlp = throughPostNorm(dout, weight: w.postFFNNorm, projected: acts.mlpProjected, rstd: acts.mlpPostRstd)
        back(.down, dinp: g.dswiglu, accumulate: false, dout: dmlp, inp: acts.swiglu)
        switch config.family.activation {
        case .silu:
            swigluBackward(dgate: g.dgate.p, dup: g.dup.p, dout: g.dswiglu.p, gate: acts.gate.p, up: acts.up.p,
                           count: n * config.hiddenDim, accumulate: false)
        case .geluTanh:
            gegluBackward(dgate: g.dgate.p, dup: g.dup.p, dout: g.dswiglu.p, gate: acts.gate.p, up: acts.up.p,
                          count: n * config.hiddenDim)
        }
        back(.gate, dinp: g.dh, accumulate: false, dout: g.dgate, inp: acts.ffnNormed)
        back(.up, dinp: g.dh, accumulate: true, dout: g.dup, inp: acts.ffnNormed)
        rmsnormBackward(dinp: dx2.p, dweight: nil, dout: g.dh.p, inp: acts.ffnInput.p, weight: w.ffnNorm.p,
                        rstd: acts.ffnRstd.p, n: n, c: c)
        // through attention
        let dattention = throughPostNorm(dx2, weight: w.postAttnNorm, projected: acts.attnProjected, rstd: acts.attnPostRstd)
        back(.o, dinp: g.dattOut, accumulate: false, dout: dattention, inp: acts.attnOut)
        if acts.recomputesQK { recomputeQK(l, acts: acts) }
        g.dq.zero(n * config.qDim); g.dk.zero(n * config.kvDim); g.dv.zero(n * config.kvDim)
        attentionBackward(dq: g.dq.p, dk: g.dk.p, dv: g.dv.p, dout: g.dattOut.p, q: acts.q.p, k: acts.k.p, v: acts.v.p,
                          att: acts.probabilities.p,
                          shape: AttentionShape(b: batch, t: time, nh: config.heads, nkv: config.kvHeads, hd: hd))
        // RoPE is a rotation: its backward rotates the gradient back
        if let table = attention.rope {
            let angles = activations.rope[table]
            for (gradient, heads) in [(g.dq, config.heads), (g.dk, config.kvHeads)] {
                RoPE.apply(gradient.p, cosines: angles.cosines.p, sines: angles.sines.p, tokens: n,
                           heads: heads, headDim: hd, rotated: angles.dimensions, inverse: true)
            }
        }
        // per-head q/k norms (Qwen3, Gemma 3); biases are frozen and pass the gradient through
        var dqOut = g.dq, dkOut = g.dk
        if let qNorm = w.qNorm, let kNorm = w.kNorm {
            g.dqRaw.zero(n * config.qDim); g.dkRaw.zero(n * config.kvDim)
            rmsnormBackward(dinp: g.dqRaw.p, dweight: nil, dout: g.dq.p, inp: acts.qRaw.p, weight: qNorm.p, rstd: acts.qRstd.p,
                            n: n * config.heads, c: hd)
            rmsnormBackward(dinp: g.dkRaw.p, dweight: nil, dout: g.dk.p, inp: acts.kRaw.p, weight: kNorm.p, rstd: acts.kRstd.p,
                            n: n * config.kvHeads, c: hd)
            dqOut = g.dqRaw; dkOut = g.dkRaw
        }
        let dh = dinp == nil ? nil : g.dh
        if acts.recomputesNormedInput, [LoRATarget.q, .k, .v].contains(where: { lora.slot(layer: l, projection: $0) != nil }) {
            RMSNorm.forward(out: acts.attnNormed.p, rstd: acts.attnRstd.p, inp: input.p, weight: w.attnNorm.p, rows: n,
                            cols: c, eps: config.rmsEps)
        }
        back(.q, dinp: dh, accumulate: false, dout: dqOut, inp: acts.attnNormed)
        back(.k, dinp: dh, accumulate: true, dout: dkOut, inp: acts.attnNormed)
        back(.v, dinp: dh, accumulate: true, dout: g.dv, inp: acts.attnNormed)
        guard let dinp else { return }
        // dinp = dx2 (already in place) + through the attention norm
        rmsnormBackward(dinp: dinp.p, dweight: nil, dout: g.dh.p, inp: input.p, weight: w.attnNorm.p, rstd: acts.attnRstd.p,
                        n: n, c: c)
    }

    /// q and k of layer `l` as its forward made them from the kept qRaw and kRaw (the per-head norms,
    /// then RoPE): the same calls on the same values, so the same bits.
    private func recomputeQK(_ l: Int, acts: LayerActivations) {
        let config = model.config, n = batch * time, hd = config.headDim, w = model.weights.layers[l]
        guard let qNorm = w.qNorm, let kNorm = w.kNorm else { return }
        RMSNorm.forward(out: acts.q.p, rstd: acts.qRstd.p, inp: acts.qRaw.p, weight: qNorm.p, rows: n * config.heads,
                        cols: hd, eps: config.rmsEps)
        RMSNorm.forward(out: acts.k.p, rstd: acts.kRstd.p, inp: acts.kRaw.p, weight: kNorm.p, rows: n * config.kvHeads,
                        cols: hd, eps: config.rmsEps)
        guard let table = config.family.layers[l].rope else { return }
        let angles = activations.rope[table]
        for (x, heads) in [(acts.q, config.heads), (acts.k, config.kvHeads)] {
            RoPE.apply(x.p, cosines: angles.cosines.p, sines: angles.sines.p, tokens: n, heads: heads, headDim: hd,
                       rotated: angles.dimensions)
        }
    }

    private func linearBackward(_ l: Int, _ projection: LoRAProjection, dinp: FloatBuffer?, accumulate: Bool,
                                dout: FloatBuffer, inp: FloatBuffer, acts: LayerActivations) {
        let (input, output) = projection.features(model.config)
        let weight = model.frozenOperand(layer: l, target: projection)
        let shape = LinearShape(n: batch * time, c: input, oc: output, r: lora.settings.rank)
        guard let slot = lora.slot(layer: l, projection: projection), let xa = acts.loraHidden[projection] else {
            loraLinearBackward(dinp: dinp?.p, accumulate: accumulate, da: nil, db: nil, dout: dout.p, inp: inp.p, mask: nil,
                               xa: nil, weight: weight, a: nil, b: nil, scale: 0, shape: shape)
            return
        }
        let mask = lora.settings.dropout > 0 ? acts.dropoutMasks[projection].map { UnsafePointer($0.p) } : nil
        loraLinearBackward(dinp: dinp?.p, accumulate: accumulate, da: gradients.p + slot.aOffset, db: gradients.p + slot.bOffset,
                           dout: dout.p, inp: inp.p, mask: mask, xa: xa.p, weight: weight, a: loraValues.p + slot.aOffset,
                           b: loraValues.p + slot.bOffset, scale: lora.settings.scale, shape: shape)
    }
}
