import Foundation

/// Straightforward scalar transcriptions of ggml's `quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`
/// and the matching dequantizers, written independently of ModelIO to check it against.
enum ReferenceQuantizers {
    static func q8_0(_ x: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for b in 0 ..< x.count / 32 {
            let block = Array(x[32 * b ..< 32 * b + 32])
            var amax: Float = 0
            for v in block { amax = Swift.max(amax, fabsf(v)) }
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            let half = Float16(d).bitPattern
            out.append(UInt8(half & 0xff))
            out.append(UInt8(half >> 8))
            for v in block { out.append(UInt8(bitPattern: Int8(roundf(v * id)))) }
        }
        return out
    }

    static func q4_0(_ x: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for b in 0 ..< x.count / 32 {
            let block = Array(x[32 * b ..< 32 * b + 32])
            var amax: Float = 0, maxValue: Float = 0
            for v in block where amax < fabsf(v) {
                amax = fabsf(v)
                maxValue = v
            }
            let d = maxValue / -8
            let id: Float = d == 0 ? 0 : 1 / d
            let half = Float16(d).bitPattern
            out.append(UInt8(half & 0xff))
            out.append(UInt8(half >> 8))
            for j in 0 ..< 16 {
                let q0 = Swift.min(15, Int8(block[j] * id + 8.5))
                let q1 = Swift.min(15, Int8(block[j + 16] * id + 8.5))
                out.append(UInt8(q0) | UInt8(q1) << 4)
            }
        }
        return out
    }

    static func q4_1(_ x: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for b in 0 ..< x.count / 32 {
            let block = Array(x[32 * b ..< 32 * b + 32])
            let minValue = block.min()!, maxValue = block.max()!
            let d = (maxValue - minValue) / 15
            let id: Float = d == 0 ? 0 : 1 / d
            for half in [Float16(d).bitPattern, Float16(minValue).bitPattern] {
                out.append(UInt8(half & 0xff))
                out.append(UInt8(half >> 8))
            }
            for j in 0 ..< 16 {
                let q0 = Swift.min(15, Int8((block[j] - minValue) * id + 0.5))
                let q1 = Swift.min(15, Int8((block[j + 16] - minValue) * id + 0.5))
                out.append(UInt8(q0) | UInt8(q1) << 4)
            }
        }
        return out
    }

    static func dequantizeQ8_0(_ bytes: [UInt8]) -> [Float] {
        var out: [Float] = []
        for b in 0 ..< bytes.count / 34 {
            let d = Float(Float16(bitPattern: UInt16(bytes[34 * b]) | UInt16(bytes[34 * b + 1]) << 8))
            for j in 0 ..< 32 { out.append(d * Float(Int8(bitPattern: bytes[34 * b + 2 + j]))) }
        }
        return out
    }

    static func dequantizeQ4_0(_ bytes: [UInt8]) -> [Float] {
        var out: [Float] = []
        for b in 0 ..< bytes.count / 18 {
            let d = Float(Float16(bitPattern: UInt16(bytes[18 * b]) | UInt16(bytes[18 * b + 1]) << 8))
            let qs = bytes[18 * b + 2 ..< 18 * b + 18]
            for q in qs { out.append(d * Float(Int(q & 0x0f) - 8)) }
            for q in qs { out.append(d * Float(Int(q >> 4) - 8)) }
        }
        return out
    }
}

/// A small seeded generator (SplitMix64) so randomized tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func temporaryURL(_ name: String) -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("modelio-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
}
