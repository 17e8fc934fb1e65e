/// Unaligned loads and stores of the small vectors the block decoders work on.
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
}

@inline(__always)
func loadBytes16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<UInt8> {
    p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
}

@inline(__always)
func store16(_ v: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(out).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// Unsigned small integers (nibbles, 5- or 6-bit codes) to floats, exactly.
@inline(__always)
func floats(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
    SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: v))
}

@inline(__always)
func floats(_ v: SIMD16<Int8>) -> SIMD16<Float> {
    SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: v))
}

/// Bit `i` of `word` in lane `i` (lanes 0…15), or bit `i + 16` when `upper`.
@inline(__always)
func bitLanes(_ word: UInt32, upper: Bool) -> SIMD16<UInt8> {
    let shifts = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) &+ (upper ? 16 : 0)
    return SIMD16<UInt8>(truncatingIfNeeded: (SIMD16<UInt32>(repeating: word) &>> shifts) & 1)
}
