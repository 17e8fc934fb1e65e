/// A frozen matrix operand held in bfloat16 for products with float32 inputs on AVX-512 BF16:
/// the input is rounded to bf16, each product of two bf16 values is exact in float32, and the
/// products are summed in float32 (CKernels' `ck_bf16_gemm`). Twice the float32 FMA rate on this
/// machine's Zen 4, at bf16's input precision (8 significant bits, relative error ≤ 2⁻⁹ per value).
///
/// Built from a weight W (outFeatures, inFeatures) stored row-major as PyTorch and GGUF do, for one
/// of the two products training and inference take with it:
/// - `.linear`:    out (rows, outFeatures) = x (rows, inFeatures) · Wᵀ   (forward)
/// - `.transpose`: dx (rows, inFeatures)   = dy (rows, outFeatures) · W  (input gradient)
public final class BF16Matrix: PackedMatrix, @unchecked Sendable {
    public typealias Product = FrozenProduct

    /// Whether this CPU has the bf16 dot-product instructions the products need.
    public static var isAvailable: Bool { NativeKernels.bf16Available }

    /// The product's shared dimension (k) and output width (n).
    public let inner: Int
    public let outputs: Int
    private let packed: UnsafeMutablePointer<UInt16>
    private let count: Int

    /// Packs `weight` (outFeatures × inFeatures, row-major) for `product`; nil without AVX-512 BF16.
    public init?(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, product: Product) {
        guard Self.isAvailable, outFeatures > 0, inFeatures > 0 else { return nil }
        switch product {
        case .linear: (inner, outputs) = (inFeatures, outFeatures)
        case .transpose: (inner, outputs) = (outFeatures, inFeatures)
        }
        count = NativeKernels.bf16PackedCount(k: inner, n: outputs)
        packed = .allocate(capacity: count)
        let (rowStride, columnStride) = product == .linear ? (1, inFeatures) : (inFeatures, 1)
        NativeKernels.bf16Pack(weight, rowStride: rowStride, columnStride: columnStride, k: inner, n: outputs,
                               into: packed)
    }

    /// Packs `weight` (outFeatures · inFeatures values, row-major) for `product`; nil without AVX-512 BF16.
    public static func packing(_ weight: [Float], outFeatures: Int, inFeatures: Int,
                               product: Product) -> BF16Matrix? {
        precondition(weight.count == outFeatures * inFeatures, "weight is not \(outFeatures) × \(inFeatures)")
        return weight.withUnsafeBufferPointer {
            BF16Matrix(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, product: product)
        }
    }

    deinit { packed.deallocate() }

    /// Bytes the packed operand takes.
    public var bytes: Int { count * MemoryLayout<UInt16>.stride }

    /// c (rows, outputs; row stride ldc) = alpha · a (rows, inner; row stride lda) · B + beta · c,
    /// on `threads` threads. A row's result is the same whatever `rows` and the thread count.
    public func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>,
                         ldc: Int, alpha: Float, beta: Float, threads: Int) {
        guard rows > 0 else { return }
        let done = NativeKernels.bf16Gemm(m: rows, n: outputs, k: inner, alpha: alpha, a: a, lda: lda,
                                          packed: packed, beta: beta, c: c, ldc: ldc, threads: threads)
        precondition(done, "bf16 product rejected: \(rows) × \(inner) · \(inner) × \(outputs), lda \(lda), ldc \(ldc)")
    }
}
