import Foundation
import Llama
import TensorKit

/// Scratch gradients for one layer's backward pass, reused across layers and steps.
/// Legend: N = B·T rows, C width, NH·HD query width, KVH·HD key/value width, F feed-forward width.
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
    /// With q/k norms: the gradients at the projections' outputs, before the norms; empty otherwise.
    let dqRaw: FloatBuffer     // (N, NH·HD)
    let dkRaw: FloatBuffer     // (N, NKV·HD)
    /// With post-norms: the gradient at the o or down product, before its norm; empty otherwise.
    let dprojected: FloatBuffer  // (N, C)

    init(config: LlamaConfig, n: Int) {
        let c = config.dim, kv = config.kvDim, f = config.hiddenDim, q = config.qDim, family = config.family
        dx2 = FloatBuffer(count: n * c); dh = FloatBuffer(count: n * c)
        dq = FloatBuffer(count: n * q); dk = FloatBuffer(count: n * kv); dv = FloatBuffer(count: n * kv)
        dattOut = FloatBuffer(count: n * q)
        dqRaw = FloatBuffer(count: family.qkNorm ? n * q : 0)
        dkRaw = FloatBuffer(count: family.qkNorm ? n * kv : 0)
        dprojected = FloatBuffer(count: family.postNorms ? n * c : 0)
        dgate = FloatBuffer(count: n * f); dup = FloatBuffer(count: n * f); dswiglu = FloatBuffer(count: n * f)
    }
}
