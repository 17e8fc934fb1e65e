/// Float32 → ggml block encodings, rounding exactly as ggml's reference quantizers
/// (`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`, `quantize_row_q4_1_ref`) so files match what
/// llama.cpp would write.
public enum Quantization {
    /// Encodes `values` (a multiple of the block size long) as `type`: F32, F16, BF16, Q8_0, Q4_0 or Q4_1.
    public static func encode(_ values: [Float], as type: GGMLType, tensorName: String = "tensor") throws -> [UInt8] {
        guard values.count % type.blockSize == 0 else {
            throw GGUFError(file: tensorName, problem: "\(values.count) values are not a whole number of \(type.name) blocks of \(type.blockSize)",
                            fix: "pad rows to a multiple of \(type.blockSize) or store the tensor as F32")
        }
        switch type {
        case .f32: return values.withUnsafeBytes { Array($0) }
        case .f16: return values.map { floatToHalf($0).littleEndian }.withUnsafeBytes { Array($0) }
        case .bf16: return values.map { floatToBFloat16($0).littleEndian }.withUnsafeBytes { Array($0) }
        case .q8_0: return values.withUnsafeBufferPointer { quantizeQ8_0($0) }
        case .q4_0: return values.withUnsafeBufferPointer { quantizeQ4_0($0) }
        case .q4_1: return values.withUnsafeBufferPointer { quantizeQ4_1($0) }
        default:
            throw GGUFError(file: tensorName, problem: "Tollgate cannot write \(type.name) tensors",
                            fix: "choose f32, f16, q8_0, q4_0 or q4_1")
        }
    }

    /// block_q8_0: d = max|x| / 127 (stored as f16), q = round(x / d) half away from zero.
    public static func quantizeQ8_0(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        encodeBlocks(x, bytesPerBlock: 34) { block, y in
            var amax: Float = 0
            for j in 0 ..< 32 { amax = max(amax, abs(block[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            y.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
            for j in 0 ..< 32 {
                let q = (block[j] * id).rounded(.toNearestOrAwayFromZero)
                y.storeBytes(of: Int8(q.isNaN ? 0 : min(127, max(-128, q))), toByteOffset: 2 + j, as: Int8.self)
            }
        }
    }

    /// block_q4_0: d = (the value of largest magnitude) / −8, q = min(15, trunc(x / d + 8.5));
    /// value j goes in the low nibble of byte j, value j + 16 in its high nibble.
    public static func quantizeQ4_0(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        encodeBlocks(x, bytesPerBlock: 18) { block, y in
            var amax: Float = 0, extreme: Float = 0
            for j in 0 ..< 32 where amax < abs(block[j]) {
                amax = abs(block[j])
                extreme = block[j]
            }
            let d = extreme / -8
            let id: Float = d != 0 ? 1 / d : 0
            y.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
            for j in 0 ..< 16 {
                let low = nibble(block[j] * id), high = nibble(block[j + 16] * id)
                y.storeBytes(of: low | (high << 4), toByteOffset: 2 + j, as: UInt8.self)
            }
        }
    }

    /// block_q4_1: d = (max − min) / 15 and m = min (both f16), q = min(15, trunc((x − min) / d + 0.5));
    /// value j goes in the low nibble of byte j, value j + 16 in its high nibble.
    public static func quantizeQ4_1(_ x: UnsafeBufferPointer<Float>) -> [UInt8] {
        encodeBlocks(x, bytesPerBlock: 20) { block, y in
            var low = Float.greatestFiniteMagnitude, high = -Float.greatestFiniteMagnitude
            for j in 0 ..< 32 {
                low = min(low, block[j])
                high = max(high, block[j])
            }
            let d = (high - low) / 15
            let id: Float = d != 0 ? 1 / d : 0
            y.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
            y.storeBytes(of: floatToHalf(low).littleEndian, toByteOffset: 2, as: UInt16.self)
            for j in 0 ..< 16 {
                let q0 = unsignedNibble((block[j] - low) * id), q1 = unsignedNibble((block[j + 16] - low) * id)
                y.storeBytes(of: q0 | (q1 << 4), toByteOffset: 4 + j, as: UInt8.self)
            }
        }
    }

    /// Runs `encode` on each 32-value block of `x`, which writes the block's `bytesPerBlock` bytes at `y`.
    private static func encodeBlocks(_ x: UnsafeBufferPointer<Float>, bytesPerBlock: Int,
                                     _ encode: (_ block: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) -> Void) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: x.count / 32 * bytesPerBlock)
        out.withUnsafeMutableBytes { raw in
            for b in 0 ..< x.count / 32 { encode(x.baseAddress! + 32 * b, raw.baseAddress! + bytesPerBlock * b) }
        }
        return out
    }

    /// C's `MIN(15, (int8_t)(v + 0.5f))` for v ≥ 0, with NaN mapped to 0.
    @inline(__always)
    private static func unsignedNibble(_ v: Float) -> UInt8 {
        let shifted = v + 0.5
        guard shifted >= 0 else { return 0 }
        return UInt8(min(15, shifted.rounded(.towardZero)))
    }

    /// C's `MIN(15, (int8_t)(v + 8.5f))`, with NaN mapped to 0 instead of undefined behaviour.
    @inline(__always)
    private static func nibble(_ v: Float) -> UInt8 {
        let shifted = v + 8.5
        guard shifted >= 0 else { return 0 }
        return UInt8(min(15, shifted.rounded(.towardZero)))
    }
}
