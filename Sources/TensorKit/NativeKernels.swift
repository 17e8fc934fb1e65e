import CKernels

// The only file that imports CKernels (Sources/CKernels, Tollgate's own C kernels). Each C entry
// point has one thin wrapper here; QuantizedLinear, DecodeAttention and Parallel build on them.

/// Instruction sets the C kernels are compiled for, slowest first.
public enum KernelInstructionSet: Int32, Sendable, CaseIterable, Comparable {
    case portable = 0, avx2 = 1, avx512 = 2

    /// The best set this CPU (and OS) runs, from cpuid, checked once: what the kernels use unless told otherwise.
    public static let best = KernelInstructionSet(rawValue: ck_best_isa()) ?? .portable

    /// The sets this CPU runs (tests check each one).
    public static var available: [KernelInstructionSet] { allCases.filter { $0 <= best } }

    public static func < (a: KernelInstructionSet, b: KernelInstructionSet) -> Bool { a.rawValue < b.rawValue }
}

enum NativeKernels {
    static func blockValues(format: Int32) -> Int { Int(ck_block_values(format)) }

    static func blockBytes(format: Int32) -> Int { Int(ck_block_bytes(format)) }

    /// See `ck_quantized_linear` in CKernels.h; false when the kernel rejected the arguments.
    static func quantizedLinear(_ isa: KernelInstructionSet, format: Int32, weights: UnsafeRawPointer, rowBytes: Int,
                                inFeatures: Int, x: UnsafePointer<Float>, ldx: Int, rows: Int,
                                y: UnsafeMutablePointer<Float>, ldy: Int, outputs: Range<Int>,
                                alpha: Float, accumulate: Bool) -> Bool {
        ck_quantized_linear(min(isa, .best).rawValue, format, weights, rowBytes, Int32(inFeatures), x, ldx, Int32(rows),
                            y, ldy, Int32(outputs.lowerBound), Int32(outputs.upperBound), alpha, accumulate ? 1 : 0) == 0
    }

    /// See `ck_attention_row` in CKernels.h; false when the kernel rejected the arguments.
    static func attentionRow(_ isa: KernelInstructionSet, group: Int, headDim: Int, length: Int, scale: Float,
                             q: UnsafePointer<Float>, qStride: Int, keys: UnsafePointer<Float>,
                             values: UnsafePointer<Float>, kvStride: Int,
                             scores: UnsafeMutablePointer<Float>, scoreStride: Int,
                             out: UnsafeMutablePointer<Float>, outStride: Int) -> Bool {
        ck_attention_row(min(isa, .best).rawValue, Int32(group), Int32(headDim), Int32(length), scale, q, qStride,
                         keys, values, kvStride, scores, scoreStride, out, outStride) == 0
    }

    /// See `ck_softmax_cross_entropy_row` in CKernels.h; nil when the kernel rejected the arguments.
    static func softmaxCrossEntropyRow(_ isa: KernelInstructionSet, row: UnsafeMutablePointer<Float>, count: Int,
                                       target: Int, gradScale: Float) -> Double? {
        var loss: Double = 0
        let status = ck_softmax_cross_entropy_row(min(isa, .best).rawValue, row, Int32(count), Int32(target), gradScale, &loss)
        return status == 0 ? loss : nil
    }

    /// See `ck_bf16_available` in CKernels.h.
    static var bf16Available: Bool { ck_bf16_available() != 0 }

    /// See `ck_bf16_packed_count` in CKernels.h.
    static func bf16PackedCount(k: Int, n: Int) -> Int { Int(ck_bf16_packed_count(Int32(k), Int32(n))) }

    /// See `ck_bf16_pack` in CKernels.h.
    static func bf16Pack(_ b: UnsafePointer<Float>, rowStride: Int, columnStride: Int, k: Int, n: Int,
                         into packed: UnsafeMutablePointer<UInt16>) {
        ck_bf16_pack(b, rowStride, columnStride, Int32(k), Int32(n), packed)
    }

    /// See `ck_bf16_gemm` in CKernels.h; false when the kernel rejected the arguments (or the CPU lacks BF16).
    static func bf16Gemm(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         packed: UnsafePointer<UInt16>, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                         threads: Int) -> Bool {
        ck_bf16_gemm(Int32(m), Int32(n), Int32(k), alpha, a, lda, packed, beta, c, ldc, Int32(threads)) == 0
    }

    /// See `ck_int8_best_isa` in CKernels.h.
    static var int8BestInstructionSet: Int32 { ck_int8_best_isa() }

    /// See `ck_int8_packed_bytes` in CKernels.h.
    static func int8PackedBytes(k: Int, n: Int, block: Int) -> Int {
        Int(ck_int8_packed_bytes(Int32(k), Int32(n), Int32(block)))
    }

    /// See `ck_int8_pack` in CKernels.h.
    static func int8Pack(_ b: UnsafePointer<Float>, rowStride: Int, columnStride: Int, k: Int, n: Int, block: Int,
                         into packed: UnsafeMutableRawPointer) {
        ck_int8_pack(b, rowStride, columnStride, Int32(k), Int32(n), Int32(block), packed)
    }

    /// See `ck_int8_pack_part` in CKernels.h; false when it rejected the bounds.
    static func int8PackPart(_ b: UnsafePointer<Float>, rowStride: Int, columnStride: Int, k: Int, n: Int, block: Int,
                             rows: Range<Int>, columns: Range<Int>, into packed: UnsafeMutableRawPointer) -> Bool {
        ck_int8_pack_part(b, rowStride, columnStride, Int32(k), Int32(n), Int32(block), Int32(rows.lowerBound),
                          Int32(rows.count), Int32(columns.lowerBound), Int32(columns.count), packed) == 0
    }

    /// See `ck_int8_gemm` in CKernels.h; false when the kernel rejected the arguments.
    static func int8Gemm(_ isa: Int32, m: Int, n: Int, k: Int, block: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         packed: UnsafeRawPointer, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                         threads: Int) -> Bool {
        ck_int8_gemm(isa, Int32(m), Int32(n), Int32(k), Int32(block), alpha, a, lda, packed, beta, c, ldc, Int32(threads)) == 0
    }

    /// See `ck_release_free_memory` in CKernels.h.
    static func releaseFreeMemory() { ck_release_free_memory() }

    /// See `ck_pool_park` in CKernels.h: idle pool workers sleep now, leaving the cores to OpenBLAS.
    @inline(__always)
    static func parkWorkers() { ck_pool_park() }

    /// See `ck_parallel_for` in CKernels.h: body(i) for i in 0 ..< count on up to `threads` threads.
    static func parallelFor(count: Int, threads: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var context = body
            withUnsafeMutablePointer(to: &context) { pointer in
                ck_parallel_for(Int32(count), Int32(threads), { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, pointer)
            }
        }
    }
}
