import TensorKit
// Row-major matrix products used by the training forward and backward passes.
// Legend: N rows (B·T tokens), C input width, OC output width.
//

/// C (M, N) = alpha · op(A) · op(B) + beta · C, row-major, through OpenBLAS.
/// op(A) is (M, K): A is (M, K), or (K, M) when `transposeA`. op(B) is (K, N): B is (K, N), or (N, K) when `transposeB`.
@inline(__always)
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // BLAS leaves C untouched only when beta is 1; match C = beta·C for an empty product
        if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// out (N, OC) = inp (N, C) · weightᵀ, weight (OC, C) as stored by PyTorch and GGUF.
public func matmulForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, n: Int, c: Int, oc: Int) {
    gemm(transposeA: false, transposeB: true, m: n, n: oc, k: c, alpha: 1,
         a: inp, lda: c, b: weight, ldb: c, beta: 0, c: out, ldc: oc)
}

/// dinp (N, C) += dout (N, OC) · weight (= without `accumulate`); dweight (OC, C) += doutᵀ · inp when given.
public func matmulBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                           dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                           weight: UnsafePointer<Float>, n: Int, c: Int, oc: Int, scale: Float = 1,
                           accumulate: Bool = true) {
    if let dinp {
        frozenLinearInputGradient(dinp: dinp, dout: dout, weight: .f32(weight), n: n, c: c, oc: oc, scale: scale,
                                  accumulate: accumulate)
    }
    if let dweight {
        gemm(transposeA: true, transposeB: false, m: oc, n: c, k: n, alpha: scale,
             a: dout, lda: oc, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
    }
}
