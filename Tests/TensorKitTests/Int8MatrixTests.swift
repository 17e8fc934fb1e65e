import Foundation
import TensorKit
import Testing

/// The int8 products on every instruction set this CPU runs, against float64: first against the
/// exact product of the codes (the kernel may add only the float32 rounding of its block sums and
/// scalings), then against the true product of the float inputs (within the quantization error bound).
struct Int8MatrixTests {
    static func random(_ count: Int, _ rng: inout XorShift) -> [Float] {
        (0..<count).map { _ in (rng.unit() * 2 - 1) * (rng.unit() < 0.1 ? 100 : 1) }
    }

    /// Codes and scale of `values` as the kernel quantizes a scale block along k: s = max|v| / 127,
    /// code = round-to-nearest-even(v · (127 / max)).
    static func quantize(_ values: [Float]) -> (codes: [Int], scale: Float) {
        let most = values.map(abs).max() ?? 0
        guard most > 0 else { return (values.map { _ in 0 }, 0) }
        let inverse = 127 / most
        return (values.map { Int(($0 * inverse).rounded(.toNearestOrEven)) }, most / 127)
    }

    /// Runs `product` of `weight` (out × in) with `a` (rows × k, stride lda) into c (stride ldc)
    /// starting from `c0` on `isa`, checks every entry against float64, and returns c.
    @discardableResult
    static func check(rows: Int, out: Int, inFeatures: Int, product: FrozenProduct, alpha: Float, beta: Float,
                      padA: Int, padC: Int, seed: UInt64, isa: Int8Matrix.InstructionSet, block: Int = 32) -> [Float] {
        var rng = XorShift(seed: seed)
        let weight = random(out * inFeatures, &rng)
        let (k, n) = product == .linear ? (inFeatures, out) : (out, inFeatures)
        let lda = k + padA, ldc = n + padC
        let a = random(rows * lda, &rng)
        let c0 = random(rows * ldc, &rng)
        let matrix = Int8Matrix.packing(weight, outFeatures: out, inFeatures: inFeatures, product: product, block: block)
        #expect(matrix.inner == k && matrix.outputs == n)
        var c = c0
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                matrix.multiply(rows: rows, a: a.baseAddress!, lda: lda, into: c.baseAddress!, ldc: ldc,
                                alpha: alpha, beta: beta, instructionSet: isa)
            }
        }
        // B's column j: the weight's row j (.linear) or column j (.transpose), in blocks along k.
        func blocks(_ values: [Float]) -> [(codes: [Int], scale: Float)] {
            stride(from: 0, to: values.count, by: block).map { quantize(Array(values[$0..<min(values.count, $0 + block)])) }
        }
        let columns = (0..<n).map { j in
            blocks((0..<k).map { q in product == .linear ? weight[j * inFeatures + q] : weight[q * inFeatures + j] })
        }
        for i in 0..<rows {
            let rowValues = Array(a[(i * lda)..<(i * lda + k)])
            let rowBlocks = blocks(rowValues)
            let codes = rowBlocks.flatMap(\.codes), scales = (0..<k).map { rowBlocks[$0 / block].scale }
            for j in 0..<ldc {
                let got = Double(c[i * ldc + j]), start = Double(c0[i * ldc + j])
                guard j < n else {
                    #expect(got == start, "column \(j) past the product was written")
                    continue
                }
                let column = columns[j], columnCodes = column.flatMap(\.codes)
                var blockTotal = 0.0, magnitude = 0.0
                for (b, rowBlock) in rowBlocks.enumerated() {
                    let first = b * block
                    let sum = (first..<min(k, first + block)).map { codes[$0] * columnCodes[$0] }.reduce(0, +)
                    blockTotal += Double(sum) * Double(rowBlock.scale) * Double(column[b].scale)
                    magnitude += abs(Double(sum) * Double(rowBlock.scale) * Double(column[b].scale))
                }
                let exact = Double(alpha) * blockTotal + Double(beta) * start
                // Per block a product of scales, a conversion and a fused add; alpha; the fused add of beta · C.
                let rounding = 1.2e-7 * Double(2 * rowBlocks.count + 3) * abs(Double(alpha)) * magnitude
                    + 1.2e-7 * abs(exact)
                #expect(abs(got - exact) <= rounding + 1e-30, "(\(i), \(j)) on \(isa): \(got) vs codes' \(exact)")
                // Against the true product: each value is off by at most half its scale.
                var truth = 0.0, bound = 0.0
                for q in 0..<k {
                    let x = Double(rowValues[q])
                    let w = Double(product == .linear ? weight[j * inFeatures + q] : weight[q * inFeatures + j])
                    truth += x * w
                    let columnScale = Double(column[q / block].scale)
                    bound += abs(x) * columnScale / 2 + abs(w) * Double(scales[q]) / 2 + Double(scales[q]) * columnScale / 4
                }
                let expected = Double(alpha) * truth + Double(beta) * start
                #expect(abs(got - expected) <= abs(Double(alpha)) * bound + rounding + 1e-6 * abs(expected),
                        "(\(i), \(j)) on \(isa): \(got) vs float64 \(expected)")
            }
        }
        return c
    }

    @Test(arguments: Int8Matrix.InstructionSet.available, [16, 32])
    func bothProductsMatchFloat64OnOddShapes(isa: Int8Matrix.InstructionSet, block: Int) {
        let shapes: [(rows: Int, out: Int, inFeatures: Int)] = [(1, 1, 1), (1, 16, 4), (2, 17, 3), (5, 33, 96), (7, 40, 577),
                                                                 (9, 130, 33), (8, 64, 64), (13, 200, 131), (97, 70, 40)]
        for (index, shape) in shapes.enumerated() {
            for product in [FrozenProduct.linear, .transpose] {
                Self.check(rows: shape.rows, out: shape.out, inFeatures: shape.inFeatures, product: product,
                           alpha: 1, beta: 0, padA: 0, padC: 0, seed: UInt64(index + 1), isa: isa, block: block)
            }
        }
    }

    @Test(arguments: Int8Matrix.InstructionSet.available, [16, 32])
    func scalesAccumulatesAndKeepsStrides(isa: Int8Matrix.InstructionSet, block: Int) {
        Self.check(rows: 9, out: 70, inFeatures: 45, product: .linear, alpha: 0.5, beta: 1, padA: 3, padC: 5, seed: 11, isa: isa,
                   block: block)
        Self.check(rows: 100, out: 45, inFeatures: 70, product: .transpose, alpha: -2, beta: 0.25, padA: 1, padC: 2,
                   seed: 12, isa: isa, block: block)
    }

    /// The sums are exact, so every instruction set gives the same bits: a run's results do not
    /// depend on the CPU it ran on, only on its inputs.
    @Test(arguments: [16, 32])
    func everyInstructionSetGivesTheSameBits(block: Int) {
        let portable = Self.check(rows: 37, out: 150, inFeatures: 200, product: .linear, alpha: 1, beta: 0, padA: 0,
                                  padC: 0, seed: 31, isa: .portable, block: block)
        for isa in Int8Matrix.InstructionSet.available where isa != .portable {
            let other = Self.check(rows: 37, out: 150, inFeatures: 200, product: .linear, alpha: 1, beta: 0, padA: 0,
                                   padC: 0, seed: 31, isa: isa, block: block)
            #expect(other == portable, "\(isa) differs from the portable kernel")
        }
    }

    /// A row of zeros gives zeros; a NaN in a row makes that row's outputs NaN, not a wrong number.
    @Test(arguments: Int8Matrix.InstructionSet.available)
    func zeroAndNaNRows(isa: Int8Matrix.InstructionSet) {
        var rng = XorShift(seed: 41)
        let (out, inFeatures) = (20, 40)
        let matrix = Int8Matrix.packing(Self.random(out * inFeatures, &rng), outFeatures: out, inFeatures: inFeatures,
                                        product: .linear)
        var a = [Float](repeating: 0, count: 3 * inFeatures)
        for q in 0..<inFeatures { a[2 * inFeatures + q] = Float(q) }
        a[inFeatures + 7] = .nan
        var c = [Float](repeating: 1, count: 3 * out)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer {
                matrix.multiply(rows: 3, a: a.baseAddress!, lda: inFeatures, into: $0.baseAddress!, ldc: out, instructionSet: isa)
            }
        }
        #expect(c[0..<out].allSatisfy { $0 == 0 })
        #expect(c[out..<(2 * out)].allSatisfy { $0.isNaN })
        #expect(c[(2 * out)...].allSatisfy { $0.isFinite })
    }

    /// A row's result is the same bits whatever the batch it is in and the thread count.
    /// A weight packed a slice of rows at a time (a large embedding read from the model file) gives the
    /// same products, bit for bit, as the same weight packed whole: shapes whose rows and widths are
    /// not multiples of a panel (16) or a scale block, slices of 1 row (rounded up to a whole unit) to
    /// more than the weight.
    @Test(arguments: [FrozenProduct.linear, .transpose], [16, 32])
    func packingSlicesEqualsPackingWhole(product: FrozenProduct, block: Int) {
        var rng = XorShift(seed: 17)
        let out = 100, inFeatures = 72, rows = 5
        let weight = Self.random(out * inFeatures, &rng)
        let whole = Int8Matrix.packing(weight, outFeatures: out, inFeatures: inFeatures, product: product, block: block)
        let a = Self.random(rows * whole.inner, &rng)
        func outputs(of matrix: Int8Matrix) -> [Float] {
            var c = [Float](repeating: 0, count: rows * matrix.outputs)
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    matrix.multiply(rows: rows, a: a.baseAddress!, lda: matrix.inner, into: c.baseAddress!, ldc: matrix.outputs)
                }
            }
            return c
        }
        let expected = outputs(of: whole)
        for slice in [1, 16, 40, 1000] {
            var sliceRows: [Range<Int>] = []
            let sliced = Int8Matrix(outFeatures: out, inFeatures: inFeatures, product: product, block: block,
                                    rowsPerSlice: slice) { range, into in
                sliceRows.append(range)
                for (i, row) in range.enumerated() {
                    for j in 0..<inFeatures { into[i * inFeatures + j] = weight[row * inFeatures + j] }
                }
            }
            #expect(sliceRows.first?.lowerBound == 0 && sliceRows.last?.upperBound == out)
            #expect(zip(sliceRows, sliceRows.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(sliced.bytes == whole.bytes)
            #expect(outputs(of: sliced) == expected, "slices of \(slice) rows")
        }
    }

    @Test func rowResultsDoNotDependOnBatchOrThreads() {
        var rng = XorShift(seed: 21)
        let (out, inFeatures, rows) = (150, 96, 40)
        let matrix = Int8Matrix.packing(Self.random(out * inFeatures, &rng), outFeatures: out, inFeatures: inFeatures,
                                        product: .linear)
        PackedMatrixChecks.rowResultsDoNotDependOnBatchOrThreads(matrix, a: Self.random(rows * inFeatures, &rng))
    }
}
