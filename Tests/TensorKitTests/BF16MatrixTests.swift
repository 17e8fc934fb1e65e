import Foundation
import TensorKit
import Testing

/// The bf16 products against a float64 reference on the same bf16-rounded inputs: what the kernel
/// may add to that reference is float32 summation error only.
@Suite(.enabled(if: BF16Matrix.isAvailable, "this CPU has no AVX-512 BF16"))
struct BF16MatrixTests {
    /// `value` rounded to bfloat16 (nearest, ties to even), as the kernel rounds its inputs.
    static func bf16(_ value: Float) -> Double {
        let bits = value.bitPattern
        let rounded = (bits &+ 0x7fff &+ ((bits >> 16) & 1)) & 0xffff_0000
        return Double(Float(bitPattern: rounded))
    }

    static func random(_ count: Int, _ rng: inout XorShift) -> [Float] {
        (0..<count).map { _ in (rng.unit() * 2 - 1) * (rng.unit() < 0.1 ? 100 : 1) }
    }

    /// Runs `product` of `weight` (out × in) with `a` (rows × k, stride lda) into c (stride ldc)
    /// starting from `c0`, and checks every entry against float64 within float32 summation error.
    static func check(rows: Int, out: Int, inFeatures: Int, product: BF16Matrix.Product, alpha: Float, beta: Float,
                      padA: Int, padC: Int, seed: UInt64) throws {
        var rng = XorShift(seed: seed)
        let weight = random(out * inFeatures, &rng)
        let (k, n) = product == .linear ? (inFeatures, out) : (out, inFeatures)
        let lda = k + padA, ldc = n + padC
        let a = random(rows * lda, &rng)
        let c0 = random(rows * ldc, &rng)
        let matrix = try #require(BF16Matrix.packing(weight, outFeatures: out, inFeatures: inFeatures, product: product))
        #expect(matrix.inner == k && matrix.outputs == n)
        var c = c0
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                matrix.multiply(rows: rows, a: a.baseAddress!, lda: lda, into: c.baseAddress!, ldc: ldc,
                                alpha: alpha, beta: beta)
            }
        }
        for i in 0..<rows {
            for j in 0..<ldc {
                let got = c[i * ldc + j]
                guard j < n else {
                    #expect(got == c0[i * ldc + j], "column \(j) past the product was written")
                    continue
                }
                var sum = 0.0, magnitude = 0.0
                for q in 0..<k {
                    let w = product == .linear ? weight[j * inFeatures + q] : weight[q * inFeatures + j]
                    let term = bf16(a[i * lda + q]) * bf16(w)
                    sum += term
                    magnitude += abs(term)
                }
                let expected = Double(alpha) * sum + Double(beta) * Double(c0[i * ldc + j])
                let bound = 4e-7 * (Double(k) + 2) * (abs(Double(alpha)) * magnitude + abs(Double(beta) * Double(c0[i * ldc + j])))
                #expect(abs(Double(got) - expected) <= bound + 1e-30,
                        "(\(i), \(j)) of \(rows)×\(k)·\(k)×\(n): \(got) vs \(expected)")
            }
        }
    }

    @Test func bothProductsMatchFloat64OnOddShapes() throws {
        let shapes: [(rows: Int, out: Int, inFeatures: Int)] = [(1, 1, 1), (1, 64, 2), (2, 65, 3), (5, 17, 96),
                                                                 (6, 130, 33), (7, 64, 64), (13, 200, 131), (97, 70, 40)]
        for (index, shape) in shapes.enumerated() {
            for product in [BF16Matrix.Product.linear, .transpose] {
                try Self.check(rows: shape.rows, out: shape.out, inFeatures: shape.inFeatures, product: product,
                               alpha: 1, beta: 0, padA: 0, padC: 0, seed: UInt64(index + 1))
            }
        }
    }

    @Test func scalesAccumulatesAndKeepsStrides() throws {
        try Self.check(rows: 9, out: 70, inFeatures: 45, product: .linear, alpha: 0.5, beta: 1, padA: 3, padC: 5, seed: 11)
        try Self.check(rows: 100, out: 45, inFeatures: 70, product: .transpose, alpha: -2, beta: 0.25, padA: 1, padC: 2, seed: 12)
    }

    /// Inputs are rounded to nearest even: 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷ and becomes 1;
    /// 1 + 3·2⁻⁸ becomes 1 + 2⁻⁶; 1 + 2⁻⁸ + 2⁻¹⁶ (above halfway) becomes 1 + 2⁻⁷.
    @Test func roundsInputsToNearestEven() throws {
        let inputs: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-16]
        let expected: [Float] = [1, 1 + 0x1p-6, 1 + 0x1p-7]
        let identity = try #require(BF16Matrix.packing([1], outFeatures: 1, inFeatures: 1, product: .linear))
        for (input, want) in zip(inputs, expected) {
            var x = input, y: Float = .nan
            identity.multiply(rows: 1, a: &x, lda: 1, into: &y, ldc: 1)
            #expect(y == want, "\(input) rounded to \(y)")
        }
    }

    /// A row's result is the same bits whatever the batch it is in and the thread count: batched and
    /// one-at-a-time generation in bf16 agree exactly.
    @Test func rowResultsDoNotDependOnBatchOrThreads() throws {
        var rng = XorShift(seed: 21)
        let (out, inFeatures, rows) = (150, 96, 40)
        let matrix = try #require(BF16Matrix.packing(Self.random(out * inFeatures, &rng), outFeatures: out,
                                                     inFeatures: inFeatures, product: .linear))
        PackedMatrixChecks.rowResultsDoNotDependOnBatchOrThreads(matrix, a: Self.random(rows * inFeatures, &rng))
    }
}
