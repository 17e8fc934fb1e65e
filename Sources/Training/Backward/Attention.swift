import Foundation
import TensorKit

// Causal grouped-query attention. Legend: B batch, T time, NH query heads, NKV key/value heads,
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

/// out (B, T, NH, HD); att (B, NH, T, T) keeps the softmax probabilities (zero above the diagonal).
/// q (B, T, NH, HD), k and v (B, T, NKV, HD).
public func attentionForward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                             q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                             shape s: AttentionShape) {
    let scale = 1 / Float(s.hd).squareRoot()
    let qStride = s.nh * s.hd, kvStride = s.nkv * s.hd
    withSingleThreadedBLAS {
    Parallel.forChunks(s.b * s.nh) { range in
        for index in range {
            let b = index / s.nh, h = index % s.nh, kvh = h / s.group
            let qbh = q + b * s.t * qStride + h * s.hd
            let kbh = k + b * s.t * kvStride + kvh * s.hd
            let vbh = v + b * s.t * kvStride + kvh * s.hd
            let abh = att + (b * s.nh + h) * s.t * s.t
            // scores (T, T) = scale · Q Kᵀ, then a causal softmax per row
            gemm(transposeA: false, transposeB: true, m: s.t, n: s.t, k: s.hd, alpha: scale,
                 a: qbh, lda: qStride, b: kbh, ldb: kvStride, beta: 0, c: abh, ldc: s.t)
            for t in 0..<s.t { causalSoftmaxRow(abh + t * s.t, valid: t + 1, width: s.t) }
            gemm(transposeA: false, transposeB: false, m: s.t, n: s.hd, k: s.t, alpha: 1,
                 a: abh, lda: s.t, b: vbh, ldb: kvStride, beta: 0, c: out + b * s.t * qStride + h * s.hd, ldc: qStride)
        }
    }
    }
}

/// dq, dk, dv += gradients.
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              att: UnsafePointer<Float>, shape s: AttentionShape) {
    let scale = 1 / Float(s.hd).squareRoot()
    let qStride = s.nh * s.hd, kvStride = s.nkv * s.hd
    withSingleThreadedBLAS {
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
                // through out = P V: dP = dO Vᵀ, dV += Pᵀ dO
                gemm(transposeA: false, transposeB: true, m: s.t, n: s.t, k: s.hd, alpha: 1,
                     a: dobh, lda: qStride, b: vbh, ldb: kvStride, beta: 0, c: dscores, ldc: s.t)
                gemm(transposeA: true, transposeB: false, m: s.t, n: s.hd, k: s.t, alpha: 1,
                     a: abh, lda: s.t, b: dobh, ldb: qStride, beta: 1, c: dvbh, ldc: kvStride)
                // through the softmax: dS = P ⊙ (dP − Σ P⊙dP) · scale
                for t in 0..<s.t {
                    let p = abh + t * s.t, d = dscores + t * s.t
                    var weighted: Float = 0
                    for j in 0...t { weighted += p[j] * d[j] }
                    for j in 0...t { d[j] = p[j] * (d[j] - weighted) * scale }
                    if t + 1 < s.t { (d + t + 1).update(repeating: 0, count: s.t - t - 1) }
                }
                // through S = Q Kᵀ
                gemm(transposeA: false, transposeB: false, m: s.t, n: s.hd, k: s.t, alpha: 1,
                     a: dscores, lda: s.t, b: kbh, ldb: kvStride, beta: 1, c: dqbh, ldc: qStride)
                gemm(transposeA: true, transposeB: false, m: s.t, n: s.hd, k: s.t, alpha: 1,
                     a: dscores, lda: s.t, b: qbh, ldb: qStride, beta: 1, c: dkbh, ldc: kvStride)
            }
        }
    }
    }
}

/// The per-head products are small: threads of our own, each calling a one-thread sgemm, beat
/// OpenBLAS splitting every small product over the cores (measured 3–4× on attention).
@inline(__always)
func withSingleThreadedBLAS(_ body: () -> Void) {
    let saved = BLAS.threads
    if saved > 1 { BLAS.threads = 1 }
    body()
    if saved > 1 { BLAS.threads = saved }
}

/// Softmax over the first `valid` entries of a row; the rest of the `width` become 0.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, valid: Int, width: Int) {
    let maxValue = vmax(row, valid)
    var sum: Float = 0
    var j = 0
    let m = SIMD16<Float>(repeating: maxValue)
    while j + 16 <= valid {
        let e = vexp(vload(row + j) - m)
        vstore(e, row + j)
        sum += e.sum()
        j += 16
    }
    while j < valid { let e = expf(row[j] - maxValue); row[j] = e; sum += e; j += 1 }
    let inverse = 1 / sum
    j = 0
    while j + 16 <= valid { vstore(vload(row + j) * inverse, row + j); j += 16 }
    while j < valid { row[j] *= inverse; j += 1 }
    if valid < width { (row + valid).update(repeating: 0, count: width - valid) }
}
