import Foundation

/// The K formats' 256-value super-blocks rewritten as 32-value blocks with their sub-block scales
/// already multiplied out in Float32, the form the decode kernels read (CKernels' Q4_KX, Q6_KX).
/// Each scale is computed as `KQuantBlockDecoding` computes it, so the kernels decode every weight
/// to the same Float32 value as the dequantizer: Q4_K 144 bytes → 8 × 24, Q6_K 210 → 8 × 40.
public enum KQuantRepacking {
    public static let q4_KBlockBytes = 24
    public static let q6_KBlockBytes = 40

    /// `superBlocks` Q4_K blocks at `src` → 8 blocks each at `dst`: { d·scale: f32, dmin·min: f32,
    /// codes: 16 bytes, value l in the low nibble of byte l and value l + 16 in its high nibble }.
    public static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, superBlocks: Int) {
        for b in 0 ..< superBlocks {
            let block = src + b * 144
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let d = loadHalf(block, 0), dmin = loadHalf(block, 2)
            for g in 0 ..< 8 {
                let out = dst + (8 * b + g) * q4_KBlockBytes
                let (sc, m) = KQuantBlockDecoding.scaleMin(bytes + 4, g)
                out.storeBytes(of: d * Float(sc), toByteOffset: 0, as: Float.self)
                out.storeBytes(of: dmin * Float(m), toByteOffset: 4, as: Float.self)
                // sub-block g is nibble g % 2 of qs[32 · (g / 2) + l]
                let qs = bytes + 16 + 32 * (g / 2), shift = UInt8(4 * (g % 2))
                for l in 0 ..< 16 {
                    let low = (qs[l] >> shift) & 0x0f, high = (qs[l + 16] >> shift) & 0x0f
                    out.storeBytes(of: low | high << 4, toByteOffset: 8 + l, as: UInt8.self)
                }
            }
        }
    }

    /// `superBlocks` Q6_K blocks at `src` → 8 blocks each at `dst`: { d·scale of values 0–15: f32,
    /// of values 16–31: f32, codes − 32: 32 × int8 }.
    public static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, superBlocks: Int) {
        for b in 0 ..< superBlocks {
            let block = src + b * 210
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let scales = UnsafeRawPointer(bytes + 192).assumingMemoryBound(to: Int8.self)
            let d = loadHalf(block, 208)
            for g in 0 ..< 8 {
                let out = dst + (8 * b + g) * q6_KBlockBytes
                out.storeBytes(of: d * Float(scales[2 * g]), toByteOffset: 0, as: Float.self)
                out.storeBytes(of: d * Float(scales[2 * g + 1]), toByteOffset: 4, as: Float.self)
                for i in 0 ..< 32 {
                    // value v = 128h + r: low nibble r/64 of ql[64h + r%64], bits 2(r/32) of qh[32h + r%32]
                    let v = 32 * g + i, h = v / 128, r = v % 128
                    let low = (bytes[64 * h + r % 64] >> UInt8(4 * (r / 64))) & 0x0f
                    let high = (bytes[128 + 32 * h + r % 32] >> UInt8(2 * (r / 32))) & 3
                    out.storeBytes(of: Int8(Int(low | high << 4) - 32), toByteOffset: 8 + i, as: Int8.self)
                }
            }
        }
    }
}
