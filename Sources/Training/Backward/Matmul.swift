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
