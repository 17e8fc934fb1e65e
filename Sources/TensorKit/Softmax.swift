// Softmax over rows, vectorized with exp16.

public enum Softmax {
    /// In place over the first `length` floats of `row`; the tail up to `width` is set to zero, which
    /// is the causal mask for attention rows.
    @inline(__always)
    public static func row(_ row: UnsafeMutablePointer<Float>, length: Int, width: Int) {
        let shift = SIMD16<Float>(repeating: maximum(row, count: length))
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= length {
            let e = exp16(load16(row + i) - shift)
            store16(e, row + i)
            acc += e
            i += 16
        }
        if i < length {
            let e = exp16(loadPartial16(row + i, length - i, fill: -.infinity) - shift)
            storePartial16(e, row + i, length - i)
            acc += e.replacing(with: 0, where: SIMD16<Int32>.laneIndices .>= Int32(length - i))
        }
        let scale = SIMD16<Float>(repeating: 1 / laneSum(acc))
        i = 0
        while i + 16 <= length { store16(load16(row + i) * scale, row + i); i += 16 }
        while i < length { row[i] *= scale[0]; i += 1 }
        if width > length { (row + length).update(repeating: 0, count: width - length) }
    }

    /// The largest of `count` floats (−∞ for none): the shift that keeps exp from overflowing.
    @inline(__always)
    public static func maximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
        var maxVector = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count { maxVector = fastMax(maxVector, load16(row + i)); i += 16 }
        var result = laneMax(maxVector)
        while i < count { result = Swift.max(result, row[i]); i += 1 }
        return result
    }

    /// Each of `rows` rows of `width` floats (stride `stride`), in parallel.
    public static func rows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        Parallel.forChunks(rows, minimumPerChunk: max(1, 8192 / max(1, width))) { range in
            for r in range { row(x + r * stride, length: width, width: width) }
        }
    }
}

extension SIMD16 where Scalar == Int32 {
    /// 0, 1, …, 15.
    static var laneIndices: SIMD16<Int32> { SIMD16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) }
}
