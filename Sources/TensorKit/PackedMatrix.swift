/// Which product a frozen weight W (outFeatures, inFeatures) is packed for:
/// - `.linear`:    out (rows, outFeatures) = x (rows, inFeatures) · Wᵀ   (forward)
/// - `.transpose`: dx (rows, inFeatures)   = dy (rows, outFeatures) · W  (input gradient)
public enum FrozenProduct: Sendable { case linear, transpose }

/// A frozen weight packed for one product in a reduced precision (`BF16Matrix`, `Int8Matrix`):
/// what `.bf16` and `.int8` models multiply their projections and LM head with.
public protocol PackedMatrix: AnyObject, Sendable {
    /// The product's shared dimension (k) and output width (n).
    var inner: Int { get }
    var outputs: Int { get }
    /// Bytes the packed operand takes.
    var bytes: Int { get }

    /// c (rows, outputs; row stride ldc) = alpha · a (rows, inner; row stride lda) · B + beta · c,
    /// on `threads` threads. A row's result is the same whatever `rows` and the thread count.
    func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>,
                  ldc: Int, alpha: Float, beta: Float, threads: Int)
}

extension PackedMatrix {
    /// `multiply` on every core.
    public func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                         alpha: Float = 1, beta: Float = 0) {
        multiply(rows: rows, a: a, lda: lda, into: c, ldc: ldc, alpha: alpha, beta: beta, threads: Parallel.threads)
    }
}
