import Foundation
import TensorKit
import Testing

/// `BLAS.rowInvariantLinear`: a row's result is the same bits whether it is multiplied alone or
/// with other rows (the property batched generation and scoring rely on in f32), and it is the
/// product itself (checked against float64).
struct RowInvariantLinearTests {
    /// (in, out) of products the forward pass makes: a tiny fixture model's projections, a LoRA A and
    /// B at rank 8, SmolLM2's q and MLP, and a large vocabulary head.
    static let shapes: [(inFeatures: Int, outFeatures: Int)] = [(32, 32), (64, 128), (576, 8), (8, 576), (576, 576), (576, 1536), (640, 8192)]

    @Test(arguments: 0..<shapes.count)
    func rowsGiveTheSameBitsAloneAndTogether(shape index: Int) {
        let (inFeatures, outFeatures) = Self.shapes[index]
        var generator = SystemRandomNumberGenerator()
        let rows = 40
        let weight = (0..<(inFeatures * outFeatures)).map { _ in Float.random(in: -1...1, using: &generator) }
        let input = (0..<(rows * inFeatures)).map { _ in Float.random(in: -1...1, using: &generator) }
        func product(first: Int, count: Int, accumulate: Bool = false) -> [Float] {
            var out = [Float](repeating: 0.25, count: count * outFeatures)
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { y in
                        BLAS.rowInvariantLinear(out: y.baseAddress!, inp: x.baseAddress! + first * inFeatures, weight: w.baseAddress!,
                                                rows: count, inFeatures: inFeatures, outFeatures: outFeatures,
                                                alpha: accumulate ? 0.5 : 1, accumulate: accumulate)
                    }
                }
            }
            return out
        }
        let together = product(first: 0, count: rows)
        for (first, count) in [(0, 1), (7, 1), (39, 1), (3, 2), (5, 3), (0, 4), (10, 7), (20, 20), (1, 33)] {
            let part = product(first: first, count: count)
            #expect(part == Array(together[(first * outFeatures)..<((first + count) * outFeatures)]),
                    "rows \(first)..<\(first + count) of (\(inFeatures), \(outFeatures))")
        }
        // Against float64, and with accumulation: y = 0.25 + 0.5 · x · Wᵀ.
        let accumulated = product(first: 0, count: rows, accumulate: true)
        var worst = 0.0
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = 0.0
                for i in 0..<inFeatures { sum += Double(input[r * inFeatures + i]) * Double(weight[o * inFeatures + i]) }
                worst = max(worst, abs(Double(together[r * outFeatures + o]) - sum),
                            abs(Double(accumulated[r * outFeatures + o]) - (0.25 + 0.5 * sum)))
            }
        }
        #expect(worst < 1e-4 * Double(inFeatures).squareRoot(), "differs from float64 by \(worst)")
    }
}
