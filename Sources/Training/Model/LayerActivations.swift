import Foundation
import TensorKit

/// What one decoder layer keeps from its forward pass for the backward pass.
/// Legend: N = B·T rows, C width, F feed-forward width, R rank. Buffers may be larger than the step
/// that uses them (a reused workspace); kernels read and write only the first N rows.
final class LayerActivations {
    let h1: FloatBuffer        // (N, C) attention-norm output
    let rstd1: FloatBuffer     // (N)
    let q: FloatBuffer         // (N, NH·HD) after RoPE
    let k: FloatBuffer         // (N, NKV·HD) after RoPE
    let v: FloatBuffer         // (N, NKV·HD)
    let att: FloatBuffer       // (B, NH, T, T) softmax probabilities
    let attOut: FloatBuffer    // (N, NH·HD)
    let x2: FloatBuffer        // (N, C) residual after attention
    let h2: FloatBuffer        // (N, C) ffn-norm output
    let rstd2: FloatBuffer     // (N)
    let gate: FloatBuffer      // (N, F)
    let up: FloatBuffer        // (N, F)
    let swiglu: FloatBuffer    // (N, F)
    /// drop(x)·Aᵀ per adapted projection, (N, R).
    var xa: [LoRAProjection: FloatBuffer] = [:]
    /// Dropout masks per adapted projection, (N, C_in); empty without dropout.
    var masks: [LoRAProjection: FloatBuffer] = [:]

    convenience init(shape: ModelShape, b: Int, t: Int, lora: LoRAParameters?) {
        self.init(shape: shape, rows: b * t, attentionRows: b * t * t, lora: lora?.settings)
    }

    /// Room for `rows` = B·T tokens and `attentionRows` = B·T·T probability rows per head.
    init(shape: ModelShape, rows n: Int, attentionRows: Int, lora: LoRASettings?) {
        h1 = FloatBuffer(count: n * shape.width); rstd1 = FloatBuffer(count: n)
        q = FloatBuffer(count: n * shape.qWidth); k = FloatBuffer(count: n * shape.kvWidth); v = FloatBuffer(count: n * shape.kvWidth)
        att = FloatBuffer(count: shape.heads * attentionRows); attOut = FloatBuffer(count: n * shape.qWidth)
        x2 = FloatBuffer(count: n * shape.width); h2 = FloatBuffer(count: n * shape.width); rstd2 = FloatBuffer(count: n)
        gate = FloatBuffer(count: n * shape.ffnWidth); up = FloatBuffer(count: n * shape.ffnWidth); swiglu = FloatBuffer(count: n * shape.ffnWidth)
        if let lora {
            for projection in lora.targets { xa[projection] = FloatBuffer(count: n * lora.rank) }
        }
    }
}

/// Scratch gradients for one layer's backward pass, reused across layers.
final class LayerGradients {
    let dx2: FloatBuffer       // (N, C) at the attention residual, when there is no dinp to build it in
    let dh: FloatBuffer        // (N, C)
    let dq: FloatBuffer        // (N, NH·HD)
    let dk: FloatBuffer        // (N, NKV·HD)
    let dv: FloatBuffer        // (N, NKV·HD)
    let dattOut: FloatBuffer   // (N, NH·HD)
    let dgate: FloatBuffer     // (N, F)
    let dup: FloatBuffer       // (N, F)
    let dswiglu: FloatBuffer   // (N, F)

    init(shape: ModelShape, n: Int) {
        dx2 = FloatBuffer(count: n * shape.width); dh = FloatBuffer(count: n * shape.width)
        dq = FloatBuffer(count: n * shape.qWidth); dk = FloatBuffer(count: n * shape.kvWidth); dv = FloatBuffer(count: n * shape.kvWidth)
        dattOut = FloatBuffer(count: n * shape.qWidth)
        dgate = FloatBuffer(count: n * shape.ffnWidth); dup = FloatBuffer(count: n * shape.ffnWidth); dswiglu = FloatBuffer(count: n * shape.ffnWidth)
    }
}
