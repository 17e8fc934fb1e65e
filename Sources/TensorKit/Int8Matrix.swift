/// A frozen matrix operand held in int8 for SwitchBack-style products (Wortsman et al., 2023) with
/// float32 inputs: the operand quantized once, each input row on the fly, both with a scale per
/// block of values along the shared dimension (32 by default: ggml's Q8_0 for weights, llama.cpp's Q8
/// blocks for activations; one outlier feature does not flatten a whole row); the code products of a block are
/// summed exactly in int32 and scaled back to float32 (CKernels' `ck_int8_gemm`). Four times the float32 FMA rate per
/// instruction with AVX-512 VNNI, twice with AVX2; a portable kernel runs elsewhere. The sums are
/// exact, so every instruction set gives the same bits.
///
/// Quantization: s = max |v| / 127 over the block, code = round-to-nearest-even(v · 127 / max); a
/// value's error is at most s / 2.
public final class Int8Matrix: PackedMatrix, @unchecked Sendable {
    /// The kernels' instruction sets, slowest first.
    public enum InstructionSet: Int32, Sendable, CaseIterable, Comparable {
        case portable = 0, avx2 = 1, vnni512 = 2

        /// The fastest this CPU runs, from cpuid.
        public static let best = InstructionSet(rawValue: NativeKernels.int8BestInstructionSet) ?? .portable

        /// The sets this CPU runs (tests check each one).
        public static var available: [InstructionSet] { allCases.filter { $0 <= best } }

        public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }
    }

    public let inner: Int
    public let outputs: Int
    /// Values per scale block along the shared dimension, for both operands.
    public let block: Int
    private let packed: UnsafeMutableRawPointer
    public let bytes: Int

    /// An unpacked operand for `product` of a (outFeatures × inFeatures) weight: its bytes allocated.
    private init(outFeatures: Int, inFeatures: Int, product: FrozenProduct, block: Int) {
        precondition(outFeatures > 0 && inFeatures > 0, "an int8 operand needs a non-empty weight")
        precondition(block >= 4 && block <= 64 && block % 4 == 0, "int8 scale blocks are 4 to 64 values, whole quads")
        self.block = block
        switch product {
        case .linear: (inner, outputs) = (inFeatures, outFeatures)
        case .transpose: (inner, outputs) = (outFeatures, inFeatures)
        }
        bytes = NativeKernels.int8PackedBytes(k: inner, n: outputs, block: block)
        packed = .allocate(byteCount: bytes, alignment: 64)
    }

    /// Packs `weight` (outFeatures × inFeatures, row-major) for `product`, in scale blocks of `block`
    /// values (a multiple of 4 up to 64; 32 is Q8_0's).
    public convenience init(weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, product: FrozenProduct,
                            block: Int = 32) {
        self.init(outFeatures: outFeatures, inFeatures: inFeatures, product: product, block: block)
        let (rowStride, columnStride) = product == .linear ? (1, inFeatures) : (inFeatures, 1)
        NativeKernels.int8Pack(weight, rowStride: rowStride, columnStride: columnStride, k: inner, n: outputs,
                               block: block, into: packed)
    }

    /// Packs a weight (outFeatures × inFeatures) too large to hold in Float32 at once for `product`,
    /// `rowsPerSlice` rows at a time: `fill(rows, into)` writes rows `rows` of the weight, row-major, into
    /// a scratch of that many rows. The packed bytes equal those of `init(weight:…)` on the whole weight.
    /// `rowsPerSlice` is rounded up to a multiple of 16 and of `block` (a slice is whole panels for `.linear`,
    /// whole scale blocks for `.transpose`).
    public convenience init(outFeatures: Int, inFeatures: Int, product: FrozenProduct, block: Int = 32, rowsPerSlice: Int,
                            fill: (Range<Int>, UnsafeMutablePointer<Float>) throws -> Void) rethrows {
        self.init(outFeatures: outFeatures, inFeatures: inFeatures, product: product, block: block)
        packed.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        let unit = 16 * block / Self.greatestCommonDivisor(16, block)
        let slice = max(unit, (rowsPerSlice + unit - 1) / unit * unit)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: min(slice, outFeatures) * inFeatures)
        defer { scratch.deallocate() }
        for first in stride(from: 0, to: outFeatures, by: slice) {
            let rows = first..<min(first + slice, outFeatures)
            try fill(rows, scratch)
            // W's rows are B's columns for .linear (B = Wᵀ) and B's rows for .transpose (B = W).
            let done = product == .linear
                ? NativeKernels.int8PackPart(scratch, rowStride: 1, columnStride: inFeatures, k: inner, n: outputs,
                                             block: block, rows: 0..<inner, columns: rows, into: packed)
                : NativeKernels.int8PackPart(scratch, rowStride: inFeatures, columnStride: 1, k: inner, n: outputs,
                                             block: block, rows: rows, columns: 0..<outputs, into: packed)
            precondition(done, "int8 slice \(rows) of a \(outFeatures) × \(inFeatures) weight rejected")
        }
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int { b == 0 ? a : greatestCommonDivisor(b, a % b) }

    /// Packs `weight` (outFeatures · inFeatures values, row-major) for `product`.
    public static func packing(_ weight: [Float], outFeatures: Int, inFeatures: Int, product: FrozenProduct,
                               block: Int = 32) -> Int8Matrix {
        precondition(weight.count == outFeatures * inFeatures, "weight is not \(outFeatures) × \(inFeatures)")
        return weight.withUnsafeBufferPointer {
            Int8Matrix(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, product: product,
                       block: block)
        }
    }

    deinit { packed.deallocate() }

    public func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>,
                         ldc: Int, alpha: Float, beta: Float, threads: Int) {
        multiply(rows: rows, a: a, lda: lda, into: c, ldc: ldc, alpha: alpha, beta: beta, threads: threads,
                 instructionSet: .best)
    }

    /// `multiply` on `instructionSet` (tests check every one this CPU runs).
    public func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>,
                         ldc: Int, alpha: Float = 1, beta: Float = 0, threads: Int = Parallel.threads,
                         instructionSet: InstructionSet) {
        guard rows > 0 else { return }
        let done = NativeKernels.int8Gemm(instructionSet.rawValue, m: rows, n: outputs, k: inner, block: block, alpha: alpha, a: a,
                                          lda: lda, packed: packed, beta: beta, c: c, ldc: ldc, threads: threads)
        precondition(done, "int8 product rejected: \(rows) × \(inner) · \(inner) × \(outputs), lda \(lda), ldc \(ldc)")
    }
}
