import Foundation
import Testing
import Training

// The vectorized and blocked kernels against slow float64 references, at sizes that run their
// main loops (16-lane blocks, several causal blocks, a ragged tail) and not only their tails.

private func relativeError(_ fast: [Float], _ reference: [Double]) -> Double {
    let difference = zip(fast, reference).reduce(0.0) { $0 + pow(Double($1.0) - $1.1, 2) }.squareRoot()
    let norm = reference.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    return difference / max(norm, 1e-30)
}

/// Causal GQA attention forward and backward in float64, loop by loop.
private func referenceAttention(q: [Float], k: [Float], v: [Float], dout: [Float], shape s: AttentionShape)
    -> (out: [Double], dq: [Double], dk: [Double], dv: [Double]) {
    let qStride = s.nh * s.hd, kvStride = s.nkv * s.hd, group = s.nh / s.nkv
    let scale = 1 / Double(s.hd).squareRoot()
    var out = [Double](repeating: 0, count: q.count), dq = out
    var dk = [Double](repeating: 0, count: k.count), dv = dk
    for b in 0..<s.b {
        for h in 0..<s.nh {
            let kvh = h / group
            func qi(_ t: Int, _ d: Int) -> Int { (b * s.t + t) * qStride + h * s.hd + d }
            func ki(_ t: Int, _ d: Int) -> Int { (b * s.t + t) * kvStride + kvh * s.hd + d }
            for t in 0..<s.t {
                var scores = (0...t).map { j in (0..<s.hd).reduce(0.0) { $0 + Double(q[qi(t, $1)]) * Double(k[ki(j, $1)]) } * scale }
                let top = scores.max()!
                scores = scores.map { exp($0 - top) }
                let total = scores.reduce(0, +)
                let p = scores.map { $0 / total }
                for d in 0..<s.hd { out[qi(t, d)] = (0...t).reduce(0.0) { $0 + p[$1] * Double(v[ki($1, d)]) } }
                // backward of this row
                let dp = (0...t).map { j in (0..<s.hd).reduce(0.0) { $0 + Double(dout[qi(t, $1)]) * Double(v[ki(j, $1)]) } }
                let weighted = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
                for j in 0...t {
                    let ds = p[j] * (dp[j] - weighted) * scale
                    for d in 0..<s.hd {
                        dv[ki(j, d)] += p[j] * Double(dout[qi(t, d)])
                        dq[qi(t, d)] += ds * Double(k[ki(j, d)])
                        dk[ki(j, d)] += ds * Double(q[qi(t, d)])
                    }
                }
            }
        }
    }
    return (out, dq, dk, dv)
}

/// (2, 70, ·, 8): ragged causal blocks; (1, 160, ·, 64): SmolLM2's head width over five blocks.
@Test(arguments: [AttentionShape(b: 2, t: 70, nh: 4, nkv: 2, hd: 8), AttentionShape(b: 1, t: 160, nh: 4, nkv: 2, hd: 64)])
func blockedAttentionMatchesAFloat64ReferenceAcrossCausalBlocks(shape: AttentionShape) {
    var random = TestRandom(11)
    let qCount = shape.b * shape.t * shape.nh * shape.hd, kvCount = shape.b * shape.t * shape.nkv * shape.hd
    let q = random.array(qCount, scale: 2), k = random.array(kvCount, scale: 2), v = random.array(kvCount)
    let dout = random.array(qCount)
    var out = [Float](repeating: 0, count: qCount), att = [Float](repeating: 0, count: shape.attCount)
    attentionForward(out: &out, att: &att, q: q, k: k, v: v, shape: shape)
    var dq = [Float](repeating: 0, count: qCount), dk = [Float](repeating: 0, count: kvCount), dv = dk
    attentionBackward(dq: &dq, dk: &dk, dv: &dv, dout: dout, q: q, k: k, v: v, att: att, shape: shape)
    let reference = referenceAttention(q: q, k: k, v: v, dout: dout, shape: shape)
    #expect(relativeError(out, reference.out) < 1e-5)
    #expect(relativeError(dq, reference.dq) < 1e-5)
    #expect(relativeError(dk, reference.dk) < 1e-5)
    #expect(relativeError(dv, reference.dv) < 1e-5)
    // probabilities above the diagonal are exactly zero
    for t in 0..<shape.t { for j in (t + 1)..<shape.t { #expect(att[t * shape.t + j] == 0) } }
}

@Test func vectorizedCrossEntropyMatchesAFloat64LogSoftmaxOnAWideVocabulary() {
    let n = 3, c = 4, v = 1000 + 7
    var random = TestRandom(12)
    let h = random.array(n * c, scale: 3), w = random.array(v * c, scale: 3)
    let targets: [Int32] = [5, -1, 1003]
    var dinp = [Float](repeating: 0, count: n * c)
    let loss = maskedCrossEntropy(dinp: &dinp, inp: h, weight: w, targets: targets, n: n, c: c, v: v, gradScale: 0.5)
    var referenceLoss = 0.0
    var referenceGradient = [Double](repeating: 0, count: n * c)
    for row in 0..<n where targets[row] >= 0 {
        let logits = (0..<v).map { o in (0..<c).reduce(0.0) { $0 + Double(h[row * c + $1]) * Double(w[o * c + $1]) } }
        let top = logits.max()!
        let total = logits.reduce(0.0) { $0 + exp($1 - top) }
        referenceLoss += top + log(total) - logits[Int(targets[row])]
        for o in 0..<v {
            let dlogit = 0.5 * (exp(logits[o] - top) / total - (o == Int(targets[row]) ? 1 : 0))
            for i in 0..<c { referenceGradient[row * c + i] += dlogit * Double(w[o * c + i]) }
        }
    }
    #expect(abs(loss - referenceLoss) < 1e-5 * abs(referenceLoss))
    #expect(relativeError(dinp, referenceGradient) < 1e-5)
}

@Test func vectorizedSwiGLUBackwardMatchesAFloat64Reference() {
    let count = 4096 + 9
    var random = TestRandom(13)
    let gate = random.array(count, scale: 6), up = random.array(count), dout = random.array(count)
    var dgate = [Float](repeating: 0.25, count: count), dup = [Float](repeating: -0.5, count: count)
    swigluBackward(dgate: &dgate, dup: &dup, dout: dout, gate: gate, up: up, count: count)
    var referenceGate = [Double](repeating: 0, count: count), referenceUp = referenceGate
    for i in 0..<count {
        let g = Double(gate[i]), sigmoid = 1 / (1 + exp(-g))
        referenceGate[i] = 0.25 + Double(dout[i]) * Double(up[i]) * sigmoid * (1 + g * (1 - sigmoid))
        referenceUp[i] = -0.5 + Double(dout[i]) * g * sigmoid
    }
    #expect(relativeError(dgate, referenceGate) < 1e-6)
    #expect(relativeError(dup, referenceUp) < 1e-6)
}
