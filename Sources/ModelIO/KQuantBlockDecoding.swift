/// Decoders for the 256-value "K" super-block formats. Sub-block scales are applied as gguf-py
/// does: (d · scale) first, then times the code, minus (dmin · min) — all in float32.
enum KQuantBlockDecoding {
    // block_q2_K { scales: 16 (low nibble scale, high nibble min); qs: 64 (2-bit codes); d, dmin: f16 }
    // Value 128·h + 32·j + l (l < 32) is bits 2j…2j+1 of qs[32·h + l], in sub-block 8·h + 2·j + l/16.
    static func q2_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 84, out = dst + b * 256
            let scales = block.assumingMemoryBound(to: UInt8.self)
            let qs = scales + 16
            let d = loadHalf(block, 80), dmin = loadHalf(block, 82)
            for h in 0 ..< 2 {
                for j in 0 ..< 4 {
                    for part in 0 ..< 2 {
                        let sc = scales[8 * h + 2 * j + part]
                        let dl = d * Float(sc & 0x0f), ml = dmin * Float(sc >> 4)
                        let codes = (loadBytes16(qs, 32 * h + 16 * part) &>> UInt8(2 * j)) & 3
                        store16(floats(codes) * dl - ml, out + 128 * h + 32 * j + 16 * part)
                    }
                }
            }
        }
    }

    // block_q3_K { hmask: 32; qs: 64; scales: 12 (sixteen 6-bit scales); d: f16 }
    // Value 128·h + 32·j + l: low bits 2j… of qs[32·h + l]; bit (4h + j) of hmask[l] clear subtracts 4.
    static func q3_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 110, out = dst + b * 256
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let scaleBytes = bytes + 96
            let d = loadHalf(block, 108)
            // Sub-block i: low 4 bits from a nibble of the first 8 bytes, high 2 bits from byte 8 + i%4.
            func subScale(_ i: Int) -> Float {
                let low = i < 8 ? scaleBytes[i] & 0x0f : scaleBytes[i - 8] >> 4
                let high = (scaleBytes[8 + i % 4] >> UInt8(2 * (i / 4))) & 3
                return d * Float(Int(low | (high << 4)) - 32)
            }
            for h in 0 ..< 2 {
                for j in 0 ..< 4 {
                    let maskBit = UInt8(4 * h + j)
                    for part in 0 ..< 2 {
                        let codes = (loadBytes16(bytes + 32, 32 * h + 16 * part) &>> UInt8(2 * j)) & 3
                        let highBits = (loadBytes16(bytes, 16 * part) &>> maskBit) & 1
                        let q = SIMD16<Int8>(truncatingIfNeeded: codes) &- ((1 &- SIMD16<Int8>(truncatingIfNeeded: highBits)) &<< 2)
                        store16(floats(q) * subScale(8 * h + 2 * j + part), out + 128 * h + 32 * j + 16 * part)
                    }
                }
            }
        }
    }

    /// The j-th (scale, min) pair of the 12-byte packing used by Q4_K and Q5_K (6 bits each).
    @inline(__always)
    static func scaleMin(_ q: UnsafePointer<UInt8>, _ j: Int) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    // block_q4_K { d, dmin: f16; scales: 12; qs: 128 } — sub-block 2c + s is nibble s of qs[32c + l].
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 144, out = dst + b * 256
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let d = loadHalf(block, 0), dmin = loadHalf(block, 2)
            for g in 0 ..< 8 {
                let (sc, m) = scaleMin(bytes + 4, g)
                let dl = d * Float(sc), ml = dmin * Float(m)
                let c = g / 2, shift = UInt8(4 * (g % 2))
                for part in 0 ..< 2 {
                    let codes = (loadBytes16(bytes + 16, 32 * c + 16 * part) &>> shift) & 0x0f
                    store16(floats(codes) * dl - ml, out + 32 * g + 16 * part)
                }
            }
        }
    }

    // block_q5_K { d, dmin: f16; scales: 12; qh: 32; qs: 128 } — as Q4_K plus bit g of qh[l] as bit 4.
    static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 176, out = dst + b * 256
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let d = loadHalf(block, 0), dmin = loadHalf(block, 2)
            for g in 0 ..< 8 {
                let (sc, m) = scaleMin(bytes + 4, g)
                let dl = d * Float(sc), ml = dmin * Float(m)
                let c = g / 2, shift = UInt8(4 * (g % 2))
                for part in 0 ..< 2 {
                    let low = (loadBytes16(bytes + 48, 32 * c + 16 * part) &>> shift) & 0x0f
                    let high = (loadBytes16(bytes + 16, 16 * part) &>> UInt8(g)) & 1
                    store16(floats(low | (high &<< 4)) * dl - ml, out + 32 * g + 16 * part)
                }
            }
        }
    }

    // block_q6_K { ql: 128; qh: 64; scales: 16 × int8; d: f16 } — value 128·h + r: low nibble
    // r/64 of ql[64h + r%64], high 2 bits (r/32)·2… of qh[32h + r%32], minus 32; sub-block = value/16.
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ blocks: Int) {
        for b in 0 ..< blocks {
            let block = src + b * 210, out = dst + b * 256
            let bytes = block.assumingMemoryBound(to: UInt8.self)
            let scales = UnsafeRawPointer(bytes + 192).assumingMemoryBound(to: Int8.self)
            let d = loadHalf(block, 208)
            for h in 0 ..< 2 {
                for k in 0 ..< 4 {
                    for part in 0 ..< 2 {
                        let r = 32 * k + 16 * part
                        let low = (loadBytes16(bytes, 64 * h + r % 64) &>> UInt8(4 * (r / 64))) & 0x0f
                        let high = (loadBytes16(bytes + 128, 32 * h + r % 32) &>> UInt8(2 * k)) & 3
                        let q = SIMD16<Int8>(truncatingIfNeeded: low | (high &<< 4)) &- 32
                        let value = 128 * h + r
                        store16(floats(q) * (d * Float(scales[value / 16])), out + value)
                    }
                }
            }
        }
    }
}
