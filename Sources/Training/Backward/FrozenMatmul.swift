import TensorKit

// The two products a frozen weight W (OC, C) takes in training, in the job's ComputePrecision:
// the forward out = x·Wᵀ and the input gradient dx = dy·W. W itself never gets a gradient.
// Legend: N rows (B·T tokens), C input width, OC output width.

/// A frozen weight W (OC, C) as the products read it. A view: whoever makes one keeps what it
/// points at alive for the call.
/// - `f32`: W itself, row-major; products through OpenBLAS sgemm (what the PEFT goldens check).
/// - `bf16`: W packed once per product (`BF16Weight`); inputs rounded to bfloat16, sums in float32.
public enum FrozenOperand {
    case f32(UnsafePointer<Float>)
    case bf16(BF16Weight)
}

/// A frozen weight W (OC, C) packed in bfloat16 for both of its training products; 4 bytes per
/// weight in all, the size of W in float32.
public final class BF16Weight: Sendable {
    /// out (N, OC) = x (N, C) · Wᵀ
    public let linear: BF16Matrix
    /// dx (N, C) = dy (N, OC) · W
    public let transpose: BF16Matrix

    /// nil when the CPU lacks AVX-512 BF16 (see `ComputePrecision.unavailableReason`).
    public init?(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int) {
        guard let linear = BF16Matrix(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, product: .linear),
              let transpose = BF16Matrix(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures,
                                         product: .transpose) else { return nil }
        self.linear = linear
        self.transpose = transpose
    }

    /// Bytes both packs take.
    public var bytes: Int { linear.bytes + transpose.bytes }
}

/// out (N, OC) = inp (N, C) · Wᵀ.
public func frozenLinearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: FrozenOperand,
                                n: Int, c: Int, oc: Int) {
    switch weight {
    case let .f32(w):
        matmulForward(out: out, inp: inp, weight: w, n: n, c: c, oc: oc)
    case let .bf16(packs):
        precondition(packs.linear.inner == c && packs.linear.outputs == oc, "bf16 weight is not \(oc) × \(c)")
        packs.linear.multiply(rows: n, a: inp, lda: c, into: out, ldc: oc)
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
    case let .bf16(packs):
        precondition(packs.transpose.inner == oc && packs.transpose.outputs == c, "bf16 weight is not \(oc) × \(c)")
        packs.transpose.multiply(rows: n, a: dout, lda: oc, into: dinp, ldc: c, alpha: scale, beta: accumulate ? 1 : 0)
    }
}
