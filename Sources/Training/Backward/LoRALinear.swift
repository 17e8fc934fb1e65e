import Foundation
import Llama

// The backward pass of a frozen linear layer with a LoRA adapter, out = x·Wᵀ + scale · (drop(x)·Aᵀ)·Bᵀ
// (the forward is the model's, `LlamaModel.forward`, which keeps xa = drop(x)·Aᵀ and the mask).
// Legend: N rows, C input width, OC output width, R rank. A (R, C), B (OC, R), W (OC, C).
// drop(x) = x ⊙ mask, mask entries 0 or 1/(1 − p); nil mask means no dropout.

public struct LinearShape: Sendable {
    public var n: Int, c: Int, oc: Int, r: Int
    public init(n: Int, c: Int, oc: Int, r: Int) { self.n = n; self.c = c; self.oc = oc; self.r = r }
}

/// dinp (N, C) += through W and the adapter (= without `accumulate`); da (R, C) and db (OC, R) +=
/// adapter gradients. W is frozen: it gets no gradient but still carries dout back to dinp (in W's
/// precision; the adapter's products are always float32).
public func loraLinearBackward(dinp: UnsafeMutablePointer<Float>?, accumulate: Bool = true, da: UnsafeMutablePointer<Float>?,
                               db: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                               inp: UnsafePointer<Float>, mask: UnsafePointer<Float>?, xa: UnsafePointer<Float>?,
                               weight: FrozenOperand, a: UnsafePointer<Float>?, b: UnsafePointer<Float>?,
                               scale: Float, shape s: LinearShape) {
    if let dinp {
        frozenLinearInputGradient(dinp: dinp, dout: dout, weight: weight, n: s.n, c: s.c, oc: s.oc, accumulate: accumulate)
    }
    guard let a, let b, let xa else { return }
    // dxa (N, R) = scale · dout·B
    let dxa = UnsafeMutablePointer<Float>.allocate(capacity: s.n * s.r)
    defer { dxa.deallocate() }
    gemm(transposeA: false, transposeB: false, m: s.n, n: s.r, k: s.oc, alpha: scale,
         a: dout, lda: s.oc, b: b, ldb: s.r, beta: 0, c: dxa, ldc: s.r)
    if let db {
        // db (OC, R) += scale · doutᵀ·xa
        gemm(transposeA: true, transposeB: false, m: s.oc, n: s.r, k: s.n, alpha: scale,
             a: dout, lda: s.oc, b: xa, ldb: s.r, beta: 1, c: db, ldc: s.r)
    }
    withDropped(inp, mask: mask, count: s.n * s.c) { x in
        if let da {
            gemm(transposeA: true, transposeB: false, m: s.r, n: s.c, k: s.n, alpha: 1,
                 a: dxa, lda: s.r, b: x, ldb: s.c, beta: 1, c: da, ldc: s.c)
        }
    }
    guard let dinp else { return }
    if let mask {
        let dx = UnsafeMutablePointer<Float>.allocate(capacity: s.n * s.c)
        defer { dx.deallocate() }
        gemm(transposeA: false, transposeB: false, m: s.n, n: s.c, k: s.r, alpha: 1,
             a: dxa, lda: s.r, b: a, ldb: s.c, beta: 0, c: dx, ldc: s.c)
        for i in 0..<(s.n * s.c) { dinp[i] += dx[i] * mask[i] }
    } else {
        gemm(transposeA: false, transposeB: false, m: s.n, n: s.c, k: s.r, alpha: 1,
             a: dxa, lda: s.r, b: a, ldb: s.c, beta: 1, c: dinp, ldc: s.c)
    }
}

/// `loraLinearBackward` with W in float32.
public func loraLinearBackward(dinp: UnsafeMutablePointer<Float>?, accumulate: Bool = true, da: UnsafeMutablePointer<Float>?,
                               db: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                               inp: UnsafePointer<Float>, mask: UnsafePointer<Float>?, xa: UnsafePointer<Float>?,
                               weight: UnsafePointer<Float>, a: UnsafePointer<Float>?, b: UnsafePointer<Float>?,
                               scale: Float, shape s: LinearShape) {
    loraLinearBackward(dinp: dinp, accumulate: accumulate, da: da, db: db, dout: dout, inp: inp, mask: mask, xa: xa,
                       weight: .f32(weight), a: a, b: b, scale: scale, shape: s)
}

/// Calls body with x ⊙ mask (a temporary) or with x itself when there is no mask.
@inline(__always)
func withDropped<R>(_ x: UnsafePointer<Float>, mask: UnsafePointer<Float>?, count: Int,
                    _ body: (UnsafePointer<Float>) -> R) -> R {
    guard let mask else { return body(x) }
    let dropped = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { dropped.deallocate() }
    for i in 0..<count { dropped[i] = x[i] * mask[i] }
    return body(dropped)
}
