// Vector helpers shared by the kernels: unaligned SIMD16 loads/stores and a 16-lane exp.

public typealias Float16x = SIMD16<Float>

@inlinable @inline(__always)
public func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inlinable @inline(__always)
public func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// The first `count` (< 16) lanes from `pointer`, the rest `fill`.
@inlinable @inline(__always)
public func loadPartial16(_ pointer: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> SIMD16<Float> {
    var value = SIMD16<Float>(repeating: fill)
    for lane in 0..<count { value[lane] = pointer[lane] }
    return value
}

@inlinable @inline(__always)
public func storePartial16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
    for lane in 0..<count { pointer[lane] = value[lane] }
}

/// e^x for 16 lanes: range reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-6 minimax polynomial
/// (the classic single-precision coefficients); relative error about 2e-7 over the float range.
/// Rounding and 2^n use the 1.5·2²³ trick so everything stays in vector registers.
@inlinable @inline(__always)
public func exp16(_ input: SIMD16<Float>) -> SIMD16<Float> {
    let low = SIMD16<Float>(repeating: -87.33), high = SIMD16<Float>(repeating: 88.37)
    var x = input.replacing(with: low, where: input .< low)
    x.replace(with: high, where: x .> high)
    let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5 · 2^23
    let shifted = x * 1.44269504088896341 + magic
    let n = shifted - magic
    var r = x - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = SIMD16<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127
    return e * unsafeBitCast(exponent &<< 23, to: SIMD16<Float>.self)
}

/// Lane-wise maximum as a compare and blend (the standard library's `pointwiseMax` keeps NaN
/// semantics and does not vectorize).
@inlinable @inline(__always)
public func fastMax(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    a.replacing(with: b, where: b .> a)
}

@inlinable @inline(__always)
public func fastMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)
}

@inlinable @inline(__always)
public func fastMax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    a.replacing(with: b, where: b .> a)
}

@inlinable @inline(__always)
public func fastMax(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> SIMD2<Float> {
    a.replacing(with: b, where: b .> a)
}

/// Largest of 16 lanes.
@inlinable @inline(__always)
public func laneMax(_ v: SIMD16<Float>) -> Float {
    let a = fastMax(v.lowHalf, v.highHalf)
    let b = fastMax(a.lowHalf, a.highHalf)
    let c = fastMax(b.lowHalf, b.highHalf)
    return Swift.max(c[0], c[1])
}

/// Horizontal sum of 16 lanes.
@inlinable @inline(__always)
public func laneSum(_ v: SIMD16<Float>) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    let c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}

/// Sum of `count` floats, 16 lanes at a time.
@inlinable @inline(__always)
public func sum(_ pointer: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count { acc += load16(pointer + i); i += 16 }
    var total = laneSum(acc)
    while i < count { total += pointer[i]; i += 1 }
    return total
}

/// Dot product of two `count`-float vectors.
@inlinable @inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    while i + 16 <= count { acc += load16(a + i) * load16(b + i); i += 16 }
    var total = laneSum(acc)
    while i < count { total += a[i] * b[i]; i += 1 }
    return total
}
