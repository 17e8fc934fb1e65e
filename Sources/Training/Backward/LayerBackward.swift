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
        let config = model.config, n = batch * time, c = config.dim, g = scratch
        let acts = activations.layer(l), input = activations.residuals[l], w = model.weights.layers[l]
        func back(_ projection: LoRAProjection, dinp: FloatBuffer?, accumulate: Bool, dout: FloatBuffer, inp: FloatBuffer) {
            linearBackward(l, projection, dinp: dinp, accumulate: accumulate, dout: dout, inp: inp, acts: acts)
        }
        // dx2 = dout (residual) + through the MLP; built in dinp when there is one
        let dx2 = dinp ?? g.dx2
        dx2.p.update(from: dout.p, count: n * c)
        back(.down, dinp: g.dswiglu, accumulate: false, dout: dout, inp: acts.swiglu)
        swigluBackward(dgate: g.dgate.p, dup: g.dup.p, dout: g.dswiglu.p, gate: acts.gate.p, up: acts.up.p,
                       count: n * config.hiddenDim, accumulate: false)
        back(.gate, dinp: g.dh, accumulate: false, dout: g.dgate, inp: acts.ffnNormed)
        back(.up, dinp: g.dh, accumulate: true, dout: g.dup, inp: acts.ffnNormed)
        rmsnormBackward(dinp: dx2.p, dweight: nil, dout: g.dh.p, inp: acts.ffnInput.p, weight: w.ffnNorm.p,
                        rstd: acts.ffnRstd.p, n: n, c: c)
        // through attention
        back(.o, dinp: g.dattOut, accumulate: false, dout: dx2, inp: acts.attnOut)
        g.dq.zero(n * c); g.dk.zero(n * config.kvDim); g.dv.zero(n * config.kvDim)
        attentionBackward(dq: g.dq.p, dk: g.dk.p, dv: g.dv.p, dout: g.dattOut.p, q: acts.q.p, k: acts.k.p, v: acts.v.p,
                          att: acts.probabilities.p,
                          shape: AttentionShape(b: batch, t: time, nh: config.heads, nkv: config.kvHeads, hd: config.headDim))
        // RoPE is a rotation: its backward rotates the gradient back
        for (gradient, heads) in [(g.dq, config.heads), (g.dk, config.kvHeads)] {
            RoPE.apply(gradient.p, cosines: activations.ropeCosines.p, sines: activations.ropeSines.p, tokens: n,
                       heads: heads, headDim: config.headDim, inverse: true)
        }
        let dh = dinp == nil ? nil : g.dh
        back(.q, dinp: dh, accumulate: false, dout: g.dq, inp: acts.attnNormed)
        back(.k, dinp: dh, accumulate: true, dout: g.dk, inp: acts.attnNormed)
        back(.v, dinp: dh, accumulate: true, dout: g.dv, inp: acts.attnNormed)
        guard let dinp else { return }
        // dinp = dx2 (already in place) + through the attention norm
        rmsnormBackward(dinp: dinp.p, dweight: nil, dout: g.dh.p, inp: input.p, weight: w.attnNorm.p, rstd: acts.attnRstd.p,
                        n: n, c: c)
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
