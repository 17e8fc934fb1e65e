import Foundation

// Causal grouped-query attention. Legend: B batch, T time, NH query heads, NKV key/value heads,
// HD head dim. Query head h reads key/value head h / (NH / NKV), as transformers' repeat_kv does.

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
    for b in 0..<s.b {
        for h in 0..<s.nh {
            let kvh = h / s.group
            for t in 0..<s.t {
                let qrow = q + (b * s.t + t) * qStride + h * s.hd
                let arow = att + ((b * s.nh + h) * s.t + t) * s.t
                var maxValue = -Float.infinity
                for t2 in 0...t {
                    let score = dot(s.hd, qrow, k + (b * s.t + t2) * kvStride + kvh * s.hd) * scale
                    arow[t2] = score
                    maxValue = max(maxValue, score)
                }
                var sum: Float = 0
                for t2 in 0...t { let e = expf(arow[t2] - maxValue); arow[t2] = e; sum += e }
                let inverse = 1 / sum
                for t2 in 0...t { arow[t2] *= inverse }
                if t + 1 < s.t { (arow + t + 1).update(repeating: 0, count: s.t - t - 1) }
                let orow = out + (b * s.t + t) * qStride + h * s.hd
                orow.update(repeating: 0, count: s.hd)
                for t2 in 0...t { axpy(s.hd, arow[t2], v + (b * s.t + t2) * kvStride + kvh * s.hd, orow) }
            }
        }
    }
}

/// dq, dk, dv += gradients; datt is scratch of T floats.
public func attentionBackward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                              dv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                              q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                              att: UnsafePointer<Float>, shape s: AttentionShape) {
    let scale = 1 / Float(s.hd).squareRoot()
    let qStride = s.nh * s.hd, kvStride = s.nkv * s.hd
    let datt = UnsafeMutablePointer<Float>.allocate(capacity: max(1, s.t))
    defer { datt.deallocate() }
    for b in 0..<s.b {
        for h in 0..<s.nh {
            let kvh = h / s.group
            for t in 0..<s.t {
                let arow = att + ((b * s.nh + h) * s.t + t) * s.t
                let dorow = dout + (b * s.t + t) * qStride + h * s.hd
                let qrow = q + (b * s.t + t) * qStride + h * s.hd
                let dqrow = dq + (b * s.t + t) * qStride + h * s.hd
                // through out = Σ att·v
                var weighted: Float = 0
                for t2 in 0...t {
                    let vrow = v + (b * s.t + t2) * kvStride + kvh * s.hd
                    datt[t2] = dot(s.hd, dorow, vrow)
                    weighted += datt[t2] * arow[t2]
                    axpy(s.hd, arow[t2], dorow, dv + (b * s.t + t2) * kvStride + kvh * s.hd)
                }
                // through the softmax, then the scaled dot products
                for t2 in 0...t {
                    let dscore = arow[t2] * (datt[t2] - weighted) * scale
                    if dscore == 0 { continue }
                    let krow = k + (b * s.t + t2) * kvStride + kvh * s.hd
                    axpy(s.hd, dscore, krow, dqrow)
                    axpy(s.hd, dscore, qrow, dk + (b * s.t + t2) * kvStride + kvh * s.hd)
                }
            }
        }
    }
}
