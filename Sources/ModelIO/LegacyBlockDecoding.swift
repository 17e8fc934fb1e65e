/// Decoders for the plain float types and the 32-value block formats (Q4_0 … Q8_0).
/// Each turns `blockCount` blocks at `src` into `blockCount × blockSize` floats at `dst`,
/// computing exactly what gguf-py's `quants.py` computes in float32.
enum LegacyBlockDecoding {
    static func f32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
    }

    static func f16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 16 <= count {
            let halves = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            store16(halfToFloat(halves), dst + i)
            i += 16
        }
        while i < count {
            dst[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    static func bf16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 16 <= count {
            let halves = SIMD16<UInt32>(truncatingIfNeeded: src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self))
            store16(SIMD16<Float>(bitPattern: halves &<< 16), dst + i)
            i += 16
        }
        while i < count {
            dst[i] = bfloat16ToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    // block_q4_0 { d: f16; qs: 16 } — value j is the low nibble of qs[j], value j+16 the high one.
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 18, out = dst + b * 32
            let d = loadHalf(block, 0)
            let qs = loadBytes16(block, 2)
            store16((floats(qs & 0x0f) - 8) * d, out)
            store16((floats(qs &>> 4) - 8) * d, out + 16)
        }
    }

    // block_q4_1 { d, m: f16; qs: 16 } — x = d·q + m.
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 20, out = dst + b * 32
            let d = loadHalf(block, 0), m = loadHalf(block, 2)
            let qs = loadBytes16(block, 4)
            store16(floats(qs & 0x0f) * d + m, out)
            store16(floats(qs &>> 4) * d + m, out + 16)
        }
    }

    // block_q5_0 { d: f16; qh: u32; qs: 16 } — bit j of qh is the fifth bit of value j; x = d·(q − 16).
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 22, out = dst + b * 32
            let d = loadHalf(block, 0)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let qs = loadBytes16(block, 6)
            let low = (qs & 0x0f) | (bitLanes(qh, upper: false) &<< 4)
            let high = (qs &>> 4) | (bitLanes(qh, upper: true) &<< 4)
            store16((floats(low) - 16) * d, out)
            store16((floats(high) - 16) * d, out + 16)
        }
    }

    // block_q5_1 { d, m: f16; qh: u32; qs: 16 } — x = d·q + m.
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 24, out = dst + b * 32
            let d = loadHalf(block, 0), m = loadHalf(block, 2)
            let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let qs = loadBytes16(block, 8)
            let low = (qs & 0x0f) | (bitLanes(qh, upper: false) &<< 4)
            let high = (qs &>> 4) | (bitLanes(qh, upper: true) &<< 4)
            store16(floats(low) * d + m, out)
            store16(floats(high) * d + m, out + 16)
        }
    }

    // block_q8_0 { d: f16; qs: 32 × int8 } — x = d·q.
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 34, out = dst + b * 32
            let d = loadHalf(block, 0)
            let q0 = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)
            let q1 = block.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)
            store16(floats(q0) * d, out)
            store16(floats(q1) * d, out + 16)
        }
    }
}
