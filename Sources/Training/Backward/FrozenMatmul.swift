import Llama
import TensorKit

// The two products a frozen weight W (OC, C) takes in training, in the job's ComputePrecision:
// the forward out = x·Wᵀ and the input gradient dx = dy·W. W itself never gets a gradient.
// Legend: N rows (B·T tokens), C input width, OC output width.

/// out (N, OC) = inp (N, C) · Wᵀ.
public func frozenLinearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: FrozenOperand,
                                n: Int, c: Int, oc: Int) {
    switch weight {
    case let .f32(w):
        matmulForward(out: out, inp: inp, weight: w, n: n, c: c, oc: oc)
    case let .packed(linear, _):
        guard let linear else { preconditionFailure("this packed weight is packed with others; the forward pass multiplies it") }
        precondition(linear.inner == c && linear.outputs == oc, "packed weight is not \(oc) × \(c)")
        linear.multiply(rows: n, a: inp, lda: c, into: out, ldc: oc)
    }
}

/// dinp (N, C) += scale · dout (N, OC) · W (= without `accumulate`).
public func frozenLinearInputGradient(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                      weight: FrozenOperand, n: Int, c: Int, oc: Int, scale: Float = 1,
                                      accumulate: Bool = true) {
    switch weight {
    case let .f32(w):
        gemm(transposeA: false, transposeB: false, m: n, n: c, k: oc, alpha: scale,
             a: dout, lda: oc, b: w, ldb: c, beta: accumulate ? 1 : 0, c: dinp, ldc: c)
    case let .packed(_, transpose):
        precondition(transpose.inner == oc && transpose.outputs == c, "packed weight is not \(oc) × \(c)")
        transpose.multiply(rows: n, a: dout, lda: oc, into: dinp, ldc: c, alpha: scale, beta: accumulate ? 1 : 0)
    }
}
