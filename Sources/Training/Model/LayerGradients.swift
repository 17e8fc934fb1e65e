import Foundation
import Llama
import TensorKit

/// Scratch gradients for one layer's backward pass, reused across layers and steps.
/// Legend: N = B·T rows, C width, NH·HD = C, KVH·HD key/value width, F feed-forward width.
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

    init(config: LlamaConfig, n: Int) {
        let c = config.dim, kv = config.kvDim, f = config.hiddenDim
        dx2 = FloatBuffer(count: n * c); dh = FloatBuffer(count: n * c)
        dq = FloatBuffer(count: n * c); dk = FloatBuffer(count: n * kv); dv = FloatBuffer(count: n * kv)
        dattOut = FloatBuffer(count: n * c)
        dgate = FloatBuffer(count: n * f); dup = FloatBuffer(count: n * f); dswiglu = FloatBuffer(count: n * f)
    }
}
