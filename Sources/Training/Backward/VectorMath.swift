import Foundation

// 16-lane helpers for the training kernels, defined in this module so they inline into its loops
// (TensorKit's are not @inlinable, and a call per 16 floats dominated the softmax and SwiGLU).

@inline(__always)
func vload(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func vstore(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// e^x for 16 lanes: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial; relative error about 2e-7.
@inline(__always)
func vexp(_ input: SIMD16<Float>) -> SIMD16<Float> {
    let x = pointwiseMax(pointwiseMin(input, SIMD16(repeating: 88.3)), SIMD16(repeating: -87.3))
    // round x·log2(e) to the nearest integer n with the 1.5·2²³ trick: t's low mantissa bits hold n
    // (SIMD rounding and float→int conversions lower to per-lane code in Swift)
    let t = x * 1.44269504088896341 + 12582912.0
    let n = t - 12582912.0
    let integer = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
    var r = x - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = SIMD16<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    return e * unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
}

/// Largest of `count` floats.
@inline(__always)
func vmax(_ pointer: UnsafePointer<Float>, _ count: Int) -> Float {
    var i = 0
    var best = SIMD16<Float>(repeating: -.infinity)
    while i + 16 <= count { best = pointwiseMax(best, vload(pointer + i)); i += 16 }
    var result = best.max()
    while i < count { result = Swift.max(result, pointer[i]); i += 1 }
    return result
}
