import Foundation
import ModelIO
import TensorKit
import Testing

/// The decode kernels against dequantize-then-sgemv, on random blocks of every format they read,
/// odd shapes, and every instruction set this CPU runs.
struct QuantizedLinearTests {
    static let formats = QuantizedMatrix.Format.allCases
    static let instructionSets = KernelInstructionSet.available

    /// Random rows of `format` blocks as the file stores them (Q4_K and Q6_K super-blocks for the
    /// repacked formats): Q scales (and Q4_1 minimums) are halves of either sign, some of them
    /// subnormal; F16 values include subnormals; codes and K sub-block scales are random bytes.
    static func randomBytes(_ format: QuantizedMatrix.Format, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
        var rng = XorShift(seed: seed)
        let type = ggmlType(format)
        let blocks = rows * cols / type.blockSize
        var bytes: [UInt8] = []
        bytes.reserveCapacity(blocks * format.blockBytes)
        func half(_ value: Float) -> [UInt8] {
            let bits = Float16(value).bitPattern
            return [UInt8(bits & 0xff), UInt8(bits >> 8)]
        }
        func scale() -> Float {
            let magnitude = rng.unit() < 0.05 ? 3e-6 * rng.unit() : 0.001 + 0.1 * rng.unit()  // 3e-6: subnormal half
            return rng.unit() < 0.5 ? -magnitude : magnitude
        }
        for _ in 0..<blocks {
            switch format {
            case .f32: withUnsafeBytes(of: (rng.unit() * 2 - 1).bitPattern.littleEndian) { bytes += $0 }
            case .f16: bytes += half(rng.unit() < 0.05 ? 5e-6 * rng.unit() : rng.unit() * 4 - 2)
            case .q4_0, .q8_0:
                bytes += half(scale())
                bytes += (0..<(format.blockBytes - 2)).map { _ in rng.byte() }
            case .q4_1:
                bytes += half(scale()) + half(scale())
                bytes += (0..<16).map { _ in rng.byte() }
            case .q5_0:
                bytes += half(scale())
                bytes += (0..<20).map { _ in rng.byte() }
            case .q4_KX:
                bytes += half(scale()) + half(scale())
                bytes += (0..<140).map { _ in rng.byte() }
            case .q6_KX:
                bytes += (0..<208).map { _ in rng.byte() }
                bytes += half(scale())
            }
        }
        return bytes
    }

    /// The file's type of a format: itself, or the K format a repacked one comes from.
    static func ggmlType(_ format: QuantizedMatrix.Format) -> GGMLType {
        switch format {
        case .q4_KX: return .q4_K
        case .q6_KX: return .q6_K
        default: return GGMLType(rawValue: UInt32(format.rawValue))!
        }
    }

    /// `cols` rounded up to whole 256-value super-blocks for the repacked K formats.
    static func columns(_ format: QuantizedMatrix.Format, _ cols: Int) -> Int {
        ggmlType(format).blockSize == 256 ? (cols + 255) / 256 * 256 : cols
    }

    /// The kernels' matrix for file bytes of `format` (repacked as DecodeWeights does for K formats).
    static func matrix(_ format: QuantizedMatrix.Format, _ bytes: [UInt8], out: Int, cols: Int) -> QuantizedMatrix {
        if format == .q4_KX || format == .q6_KX {
            return QuantizedMatrix(format: format, rows: out, cols: cols) { destination in
                bytes.withUnsafeBytes { source in
                    if format == .q4_KX {
                        KQuantRepacking.q4_K(source.baseAddress!, destination, superBlocks: out * cols / 256)
                    } else {
                        KQuantRepacking.q6_K(source.baseAddress!, destination, superBlocks: out * cols / 256)
                    }
                }
            }
        }
        let storage = FloatBuffer(count: (bytes.count + 3) / 4)
        UnsafeMutableRawPointer(storage.pointer).copyMemory(from: bytes, byteCount: bytes.count)
        return QuantizedMatrix(format: format, rows: out, cols: cols, bytes: UnsafeRawPointer(storage.pointer), owner: storage)
    }

    /// y (rows, out) through the kernels at `isa`.
    static func kernel(_ format: QuantizedMatrix.Format, _ bytes: [UInt8], out: Int, cols: Int, x: [Float], rows: Int,
                       isa: KernelInstructionSet) -> [Float] {
        let matrix = Self.matrix(format, bytes, out: out, cols: cols)
        let y = FloatBuffer(count: rows * out)
        x.withUnsafeBufferPointer {
            QuantizedLinear.forward(out: y.pointer, inp: $0.baseAddress!, weight: matrix, rows: rows, instructionSet: isa)
        }
        return y.array
    }

    @Test func everyFormatMatchesDequantizeThenSgemvOnOddShapes() throws {
        let shapes: [(rows: Int, out: Int, cols: Int)] = [(1, 1, 32), (1, 67, 96), (2, 17, 160), (3, 5, 64),
                                                          (5, 33, 128), (7, 4, 32), (33, 19, 96)]
        for format in Self.formats {
            var all = shapes.map { (rows: $0.rows, out: $0.out, cols: Self.columns(format, $0.cols)) }
            if format.blockValues == 1 { all += [(1, 9, 37), (6, 13, 21)] }  // tails shorter than 16 lanes
            for (index, shape) in all.enumerated() {
                let bytes = Self.randomBytes(format, rows: shape.out, cols: shape.cols, seed: UInt64(index * 31 + 7))
                let weights = try bytes.withUnsafeBytes {
                    try Dequantization.dequantize(Self.ggmlType(format), source: $0, count: shape.out * shape.cols)
                }
                let x = KernelTests.randomValues(shape.rows * shape.cols, seed: UInt64(index + 100), scale: 2)
                var expected = [Float](repeating: 0, count: shape.rows * shape.out)
                var magnitude = [Float](repeating: 0, count: shape.rows * shape.out)  // Σ|w·x|: rounding scale
                weights.withUnsafeBufferPointer { w in
                    x.withUnsafeBufferPointer { xp in
                        expected.withUnsafeMutableBufferPointer { y in
                            for r in 0..<shape.rows {
                                BLAS.sgemv(m: shape.out, n: shape.cols, a: w.baseAddress!, lda: shape.cols,
                                           x: xp.baseAddress! + r * shape.cols, y: y.baseAddress! + r * shape.out)
                            }
                        }
                    }
                }
                for r in 0..<shape.rows {
                    for o in 0..<shape.out {
                        for k in 0..<shape.cols { magnitude[r * shape.out + o] += abs(weights[o * shape.cols + k] * x[r * shape.cols + k]) }
                    }
                }
                for isa in Self.instructionSets {
                    let y = Self.kernel(format, bytes, out: shape.out, cols: shape.cols, x: x, rows: shape.rows, isa: isa)
                    for i in y.indices {
                        #expect(abs(y[i] - expected[i]) <= 1e-5 * magnitude[i] + 1e-30,
                                "\(format) \(isa) \(shape) element \(i): \(y[i]) vs \(expected[i])")
                    }
                }
            }
        }
    }

    /// With FMA the kernels compute exactly: weights decoded as the dequantizer writes them, one
    /// 16-lane accumulator per output filled in column order, then halves added pairwise.
    @Test func fusedKernelsEqualTheirDocumentedSummationOrderBitForBit() throws {
        let fused = Self.instructionSets.filter { $0 != .portable }
        let rows = 3, out = 10
        for (index, format) in Self.formats.enumerated() {
            let cols = Self.columns(format, 96)
            let bytes = Self.randomBytes(format, rows: out, cols: cols, seed: UInt64(index + 1))
            let weights = try bytes.withUnsafeBytes { try Dequantization.dequantize(Self.ggmlType(format), source: $0, count: out * cols) }
            let x = KernelTests.randomValues(rows * cols, seed: UInt64(index + 50))
            var expected: [Float] = []
            for r in 0..<rows {
                for o in 0..<out {
                    var lanes = [Float](repeating: 0, count: 16)
                    for k in 0..<cols { lanes[k % 16] = lanes[k % 16].addingProduct(weights[o * cols + k], x[r * cols + k]) }
                    var width = 8
                    while width >= 1 {
                        for i in 0..<width { lanes[i] += lanes[i + width] }
                        width /= 2
                    }
                    expected.append(lanes[0])
                }
            }
            for isa in fused {
                let y = Self.kernel(format, bytes, out: out, cols: cols, x: x, rows: rows, isa: isa)
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "\(format) \(isa)")
            }
        }
    }

    /// Each output row is the same computed alone or in a batch of any size: what makes batched
    /// generation equal one-at-a-time generation.
    @Test func batchedRowsEqualRowsComputedAloneBitForBit() {
        let out = 37, rows = 11
        for (index, format) in Self.formats.enumerated() {
            let cols = Self.columns(format, 128)
            let bytes = Self.randomBytes(format, rows: out, cols: cols, seed: UInt64(index + 90))
            let x = KernelTests.randomValues(rows * cols, seed: UInt64(index + 91))
            for isa in Self.instructionSets {
                let batched = Self.kernel(format, bytes, out: out, cols: cols, x: x, rows: rows, isa: isa)
                for r in 0..<rows {
                    let alone = Self.kernel(format, bytes, out: out, cols: cols, x: Array(x[(r * cols)..<((r + 1) * cols)]),
                                            rows: 1, isa: isa)
                    #expect(alone.map(\.bitPattern) == batched[(r * out)..<((r + 1) * out)].map(\.bitPattern), "\(format) \(isa) row \(r)")
                }
            }
        }
    }

    @Test func severalProductsInOneJobEqualSeparateProducts() {
        let cols = 64, rows = 4
        let shapes = [24, 8, 8]
        let bytes = shapes.enumerated().map { Self.randomBytes(.q4_1, rows: $1, cols: cols, seed: UInt64($0 + 5)) }
        let storages = bytes.map { b -> FloatBuffer in
            let s = FloatBuffer(count: b.count / 4 + 1)
            UnsafeMutableRawPointer(s.pointer).copyMemory(from: b, byteCount: b.count)
            return s
        }
        let matrices = zip(shapes, storages).map {
            QuantizedMatrix(format: .q4_1, rows: $0, cols: cols, bytes: UnsafeRawPointer($1.pointer), owner: $1)
        }
        let x = KernelTests.randomValues(rows * cols, seed: 3)
        let outs = shapes.map { FloatBuffer(count: rows * $0) }
        x.withUnsafeBufferPointer { QuantizedLinear.forward(outs: outs.map(\.pointer), inp: $0.baseAddress!, weights: matrices, rows: rows) }
        for (i, shape) in shapes.enumerated() {
            let alone = Self.kernel(.q4_1, bytes[i], out: shape, cols: cols, x: x, rows: rows, isa: KernelInstructionSet.best)
            #expect(outs[i].array == alone)
        }
    }

    /// LoRA's second product: out += alpha · x · Wᵀ on a subrange-sized matrix with fewer columns than a vector.
    @Test func accumulatingAddsTheScaledProduct() {
        let rows = 3, out = 21, cols = 8, alpha: Float = 0.37
        let w = KernelTests.randomValues(out * cols, seed: 41), x = KernelTests.randomValues(rows * cols, seed: 42)
        let start = KernelTests.randomValues(rows * out, seed: 43)
        let y = FloatBuffer(start)
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                let matrix = QuantizedMatrix(format: .f32, rows: out, cols: cols, bytes: UnsafeRawPointer(wp.baseAddress!), owner: nil)
                QuantizedLinear.forward(out: y.pointer, inp: xp.baseAddress!, weight: matrix, rows: rows, alpha: alpha, accumulate: true)
            }
        }
        for r in 0..<rows {
            for o in 0..<out {
                let dot = (0..<cols).reduce(Float(0)) { $0 + w[o * cols + $1] * x[r * cols + $1] }
                #expect(abs(y[r * out + o] - (start[r * out + o] + alpha * dot)) < 1e-5)
            }
        }
    }

    @Test func reorderedRowsAreTheRequestedRows() {
        let cols = 32, out = 6
        let bytes = Self.randomBytes(.q8_0, rows: out, cols: cols, seed: 11)
        let storage = FloatBuffer(count: bytes.count / 4 + 1)
        UnsafeMutableRawPointer(storage.pointer).copyMemory(from: bytes, byteCount: bytes.count)
        let matrix = QuantizedMatrix(format: .q8_0, rows: out, cols: cols, bytes: UnsafeRawPointer(storage.pointer), owner: storage)
        let order = [5, 0, 3, 3, 1]
        let reordered = matrix.reorderingRows(order)
        #expect(reordered.rows == order.count)
        for (i, source) in order.enumerated() {
            #expect(memcmp(reordered.bytes + i * reordered.rowBytes, matrix.bytes + source * matrix.rowBytes, matrix.rowBytes) == 0)
        }
    }
}

/// A small deterministic generator for the tests' random blocks.
struct XorShift {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }

    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 32) }
}
