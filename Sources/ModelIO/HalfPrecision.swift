/// IEEE half and bfloat16 conversions done on bits, so they vectorize without F16C and are exact
/// for every value (subnormals, infinities, NaN).
/// One half to a float by the same bit method as the vector version below (the runtime's
/// Float16 conversion is a library call on CPUs without F16C in the target flags).
@inline(__always)
func halfToFloat(_ bits: UInt16) -> Float {
    let h = UInt32(bits)
    let sign = (h & 0x8000) << 16
    var magnitude = (h & 0x7fff) << 13
    let exponent = magnitude & (0x7c00 << 13)
    magnitude &+= (127 - 15) << 23
    if exponent == 0x7c00 << 13 {
        magnitude &+= (128 - 16) << 23
    } else if exponent == 0 {
        let renormalized = Float(bitPattern: magnitude &+ (1 << 23)) - Float(bitPattern: 113 << 23)
        return Float(bitPattern: renormalized.bitPattern | sign)
    }
    return Float(bitPattern: magnitude | sign)
}

/// Sixteen halves to sixteen floats (Giesen's bit method: rebias the exponent, then fix up
/// infinities/NaN and renormalize subnormals by a float subtraction).
@inline(__always)
func halfToFloat(_ bits: SIMD16<UInt16>) -> SIMD16<Float> {
    let h = SIMD16<UInt32>(truncatingIfNeeded: bits)
    let sign = (h & 0x8000) &<< 16
    var magnitude = (h & 0x7fff) &<< 13
    let exponent = magnitude & (0x7c00 &<< 13)
    magnitude &+= (127 - 15) &<< 23
    let isSpecial = exponent .== (0x7c00 &<< 13)
    magnitude.replace(with: magnitude &+ ((128 - 16) &<< 23), where: isSpecial)
    let isSubnormal = exponent .== 0
    let renormalized = SIMD16<Float>(bitPattern: magnitude &+ (1 &<< 23)) - Float(bitPattern: 113 << 23)
    magnitude.replace(with: renormalized.bitPattern, where: isSubnormal)
    return SIMD16<Float>(bitPattern: magnitude | sign)
}

@inline(__always)
func floatToHalf(_ value: Float) -> UInt16 {
    Float16(value).bitPattern  // round to nearest even, as ggml's FP32_TO_FP16
}

@inline(__always)
func bfloat16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Float to bfloat16, rounding to nearest even and keeping NaN a NaN (as torch and gguf-py do).
@inline(__always)
func floatToBFloat16(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }
    let rounded = bits &+ 0x7fff &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
}

extension SIMD16 where Scalar == Float {
    @inline(__always)
    init(bitPattern: SIMD16<UInt32>) {
        self = unsafeBitCast(bitPattern, to: SIMD16<Float>.self)
    }

    @inline(__always)
    var bitPattern: SIMD16<UInt32> { unsafeBitCast(self, to: SIMD16<UInt32>.self) }
}
