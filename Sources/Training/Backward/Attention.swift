import Foundation
import Llama
import TensorKit

// The backward pass of causal grouped-query attention (`Attention.forward` in Llama, with its
// probabilities kept). Legend: B batch, T time, NH query heads, NKV key/value heads,
// HD head dim. Query head h reads key/value head h / (NH / NKV), as transformers' repeat_kv does.
// Each (batch, head) is a handful of sgemm calls on strided views; work is spread over (batch,
// key/value head) so the query heads that share a K/V accumulate its gradient on one thread.

public struct AttentionShape: Sendable {
    public var b: Int, t: Int, nh: Int, nkv: Int, hd: Int
    public init(b: Int, t: Int, nh: Int, nkv: Int, hd: Int) {
        self.b = b; self.t = t; self.nh = nh; self.nkv = nkv; self.hd = hd
    }
    var group: Int { nh / nkv }
    /// Floats of the saved attention probabilities (B, NH, T, T).
    public var attCount: Int { b * nh * t * t }
}

/// dq, dk, dv += gradients.
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              att: UnsafePointer<Float>, shape s: AttentionShape) {
    let scale = 1 / Float(s.hd).squareRoot()
    let qStride = s.nh * s.hd, kvStride = s.nkv * s.hd
    BLAS.withSingleThread {
    Parallel.forChunks(s.b * s.nkv) { range in
        let dscores = UnsafeMutablePointer<Float>.allocate(capacity: s.t * s.t)   // (T, T)
        defer { dscores.deallocate() }
        for index in range {
            let b = index / s.nkv, kvh = index % s.nkv
            let kbh = k + b * s.t * kvStride + kvh * s.hd, vbh = v + b * s.t * kvStride + kvh * s.hd
            let dkbh = dk + b * s.t * kvStride + kvh * s.hd, dvbh = dv + b * s.t * kvStride + kvh * s.hd
            for h in (kvh * s.group)..<((kvh + 1) * s.group) {
                let abh = att + (b * s.nh + h) * s.t * s.t
                let dobh = dout + b * s.t * qStride + h * s.hd
                let qbh = q + b * s.t * qStride + h * s.hd
                let dqbh = dq + b * s.t * qStride + h * s.hd
                // rows [r0, r1) of dP = dO Vᵀ (keys [0, r1)), then through the softmax:
                // dS = P ⊙ (dP − Σ P⊙dP) · scale, zero above the diagonal
                for r0 in stride(from: 0, to: s.t, by: causalBlock) {
                    let r1 = min(s.t, r0 + causalBlock)
                    gemm(transposeA: false, transposeB: true, m: r1 - r0, n: r1, k: s.hd, alpha: 1,
                         a: dobh + r0 * qStride, lda: qStride, b: vbh, ldb: kvStride, beta: 0,
                         c: dscores + r0 * s.t, ldc: s.t)
                    for t in r0..<r1 { softmaxBackwardRow(dscores + t * s.t, probabilities: abh + t * s.t, valid: t + 1, width: r1, scale: scale) }
                    // dQ rows [r0, r1) += dS Kᵀ over keys [0, r1)
                    gemm(transposeA: false, transposeB: false, m: r1 - r0, n: s.hd, k: r1, alpha: 1,
                         a: dscores + r0 * s.t, lda: s.t, b: kbh, ldb: kvStride, beta: 1, c: dqbh + r0 * qStride, ldc: qStride)
                }
                // key rows [c0, c1) are seen by queries [c0, T): dV += Pᵀ dO, dK += dSᵀ Q
                for c0 in stride(from: 0, to: s.t, by: causalBlock) {
                    let c1 = min(s.t, c0 + causalBlock)
                    gemm(transposeA: true, transposeB: false, m: c1 - c0, n: s.hd, k: s.t - c0, alpha: 1,
                         a: abh + c0 * s.t + c0, lda: s.t, b: dobh + c0 * qStride, ldb: qStride, beta: 1,
                         c: dvbh + c0 * kvStride, ldc: kvStride)
                    gemm(transposeA: true, transposeB: false, m: c1 - c0, n: s.hd, k: s.t - c0, alpha: 1,
                         a: dscores + c0 * s.t + c0, lda: s.t, b: qbh + c0 * qStride, ldb: qStride, beta: 1,
                         c: dkbh + c0 * kvStride, ldc: kvStride)
                }
            }
        }
    }
    }
}

/// Rows and columns are handled in blocks of this many, as the forward pass does: each block
/// multiplies only the keys it can see (about 5/8 of the full (T, T) products at T = 128).
let causalBlock = Attention.causalBlock

/// One row of dP (`width` floats) in place → dS = P ⊙ (dP − Σ P⊙dP) · scale over the first `valid`
/// entries, zero from there to `width`.
@inline(__always)
func softmaxBackwardRow(_ d: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
                        valid: Int, width: Int, scale: Float) {
    let weighted = SIMD16<Float>(repeating: dot(p, d, valid))
    let scaleVector = SIMD16<Float>(repeating: scale)
    var j = 0
    while j + 16 <= valid {
        store16(load16(p + j) * (load16(d + j) - weighted) * scaleVector, d + j)
        j += 16
    }
    while j < valid { d[j] = p[j] * (d[j] - weighted[0]) * scale; j += 1 }
    if valid < width { (d + valid).update(repeating: 0, count: width - valid) }
}
