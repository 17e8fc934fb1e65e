import Foundation
import Llama
import TensorKit
import Training

// The forward kernels whose backward passes these tests check, called as the model calls them
// (`LlamaModel.forward`), in the (B, T) layout of the training kernels: B sequences of T tokens.

/// out (N, C), rstd (N): TensorKit's RMSNorm.
func rmsnormForward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                    weight: UnsafePointer<Float>, n: Int, c: Int, eps: Float) {
    RMSNorm.forward(out: out, rstd: rstd, inp: inp, weight: weight, rows: n, cols: c, eps: eps)
}

func swigluForward(out: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int) {
    Elementwise.swiglu(out: out, gate: gate, up: up, count: count)
}

/// Rotary angles of positions 0 ..< length.
struct RoPETable {
    let headDim: Int
    let length: Int
    let base: Float
}

/// Rotates x (B, T, NH, HD) in place, token t of each sequence at position t (inverse: RoPE's backward).
func ropeForward(_ x: UnsafeMutablePointer<Float>, table: RoPETable, b: Int, t: Int, nh: Int, inverse: Bool = false) {
    let positions = (0..<(b * t)).map { Int32($0 % t) }
    positions.withUnsafeBufferPointer {
        RoPE.apply(x, positions: $0.baseAddress!, tokens: b * t, heads: nh, headDim: table.headDim,
                   inverseFrequencies: RoPE.inverseFrequencies(headDim: table.headDim, base: table.base), inverse: inverse)
    }
}

func ropeBackward(_ dx: UnsafeMutablePointer<Float>, table: RoPETable, b: Int, t: Int, nh: Int) {
    ropeForward(dx, table: table, b: b, t: t, nh: nh, inverse: true)
}

/// out (B, T, NH, HD), att (B, NH, T, T): the model's attention over B sequences from position 0.
func attentionForward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>,
                      k: UnsafePointer<Float>, v: UnsafePointer<Float>, shape s: AttentionShape) {
    Attention.forward(out: out, probabilities: att, q: q, keys: .call(keys: k, values: v),
                      segments: (0..<s.b).map { SequenceSegment(slot: $0, start: 0, count: s.t) },
                      heads: s.nh, kvHeads: s.nkv, headDim: s.hd)
}

/// out (N, OC) = x·Wᵀ + scale · (drop(x)·Aᵀ)·Bᵀ, xa = drop(x)·Aᵀ: the products the model's projection
/// takes with an adapter (in Float32 sgemm, as training's forward does).
func loraLinearForward(out: UnsafeMutablePointer<Float>, xa: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                       mask: UnsafePointer<Float>?, weight: UnsafePointer<Float>, a: UnsafePointer<Float>,
                       b: UnsafePointer<Float>, scale: Float, shape s: LinearShape) {
    BLAS.linear(out: out, inp: inp, weight: weight, rows: s.n, inFeatures: s.c, outFeatures: s.oc)
    var dropped = [Float](repeating: 0, count: s.n * s.c)
    for i in 0..<(s.n * s.c) { dropped[i] = inp[i] * (mask?[i] ?? 1) }
    BLAS.linear(out: xa, inp: dropped, weight: a, rows: s.n, inFeatures: s.c, outFeatures: s.r)
    BLAS.linear(out: out, inp: xa, weight: b, rows: s.n, inFeatures: s.r, outFeatures: s.oc, alpha: scale, accumulate: true)
}
