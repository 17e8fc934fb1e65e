import Foundation
import TensorKit
import Testing

/// Each fast kernel against a slow, obviously correct reference written beside it.
struct KernelTests {
    static func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func rmsNormMatchesNaiveReference() {
        let rows = 37, cols = 83  // odd sizes exercise the scalar tails
        let x = Self.randomValues(rows * cols, seed: 1, scale: 3), w = Self.randomValues(cols, seed: 2)
        let out = FloatBuffer(count: rows * cols), rstd = FloatBuffer(count: rows)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                RMSNorm.forward(out: out.pointer, rstd: rstd.pointer, inp: xp.baseAddress!, weight: wp.baseAddress!,
                                rows: rows, cols: cols, eps: 1e-5)
            }
        }
        var expected = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            var squares = 0.0
            for c in 0..<cols { squares += Double(x[r * cols + c] * x[r * cols + c]) }
            let scale = 1 / (squares / Double(cols) + 1e-5).squareRoot()
            #expect(abs(Double(rstd[r]) - scale) < 1e-5 * scale)
            for c in 0..<cols { expected[r * cols + c] = Float(Double(w[c]) * Double(x[r * cols + c]) * scale) }
        }
        #expect(Self.maxDifference(out.array, expected) < 1e-5)
    }

    @Test func ropeRotatesHalvesLikeTransformersAndInverseRestores() {
        let tokens = 5, heads = 3, headDim = 40
        let original = Self.randomValues(tokens * heads * headDim, seed: 3)
        let x = FloatBuffer(original)
        let positions: [Int32] = [0, 1, 7, 100, 513]
        let freqs = RoPE.inverseFrequencies(headDim: headDim, base: 10000)
        positions.withUnsafeBufferPointer { pos in
            RoPE.apply(x.pointer, positions: pos.baseAddress!, tokens: tokens, heads: heads, headDim: headDim,
                       inverseFrequencies: freqs)
        }
        let half = headDim / 2
        for t in 0..<tokens {
            for h in 0..<heads {
                for i in 0..<half {
                    let base = (t * heads + h) * headDim
                    let angle = Double(positions[t]) * pow(10000, -Double(2 * i) / Double(headDim))
                    let a = Double(original[base + i]), b = Double(original[base + i + half])
                    #expect(abs(Double(x[base + i]) - (a * cos(angle) - b * sin(angle))) < 2e-4)
                    #expect(abs(Double(x[base + i + half]) - (b * cos(angle) + a * sin(angle))) < 2e-4)
                }
            }
        }
        positions.withUnsafeBufferPointer { pos in
            RoPE.apply(x.pointer, positions: pos.baseAddress!, tokens: tokens, heads: heads, headDim: headDim,
                       inverseFrequencies: freqs, inverse: true)
        }
        #expect(Self.maxDifference(x.array, original) < 1e-5)
    }

    @Test func softmaxRowMatchesNaiveAndMasksTheTail() {
        for length in [1, 5, 16, 17, 100] {
            let width = length + 9
            let values = Self.randomValues(width, seed: UInt64(length), scale: 20)
            let row = FloatBuffer(values)
            Softmax.row(row.pointer, length: length, width: width)
            let maximum = values[0..<length].max()!
            let exps = values[0..<length].map { Foundation.exp(Double($0 - maximum)) }
            let total = exps.reduce(0, +)
            for i in 0..<length { #expect(abs(Double(row[i]) - exps[i] / total) < 1e-6) }
            for i in length..<width { #expect(row[i] == 0) }
        }
    }

    @Test func exp16IsWithinFewUlpsOfExp() {
        let inputs = (0..<16).map { Float($0) * 11.3 - 87 }
        let result = exp16(SIMD16<Float>(inputs))
        for (lane, x) in inputs.enumerated() {
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(result[lane]) - expected) <= 4e-7 * expected, "exp(\(x))")
        }
    }

    @Test func swigluAndAddMatchNaiveReference() {
        let count = 16 * 1100 + 5  // large enough to split over cores, with a tail
        let gate = Self.randomValues(count, seed: 4, scale: 10), up = Self.randomValues(count, seed: 5)
        let out = FloatBuffer(count: count), sum = FloatBuffer(count: count)
        gate.withUnsafeBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                Elementwise.swiglu(out: out.pointer, gate: g.baseAddress!, up: u.baseAddress!, count: count)
                Elementwise.add(out: sum.pointer, a: g.baseAddress!, b: u.baseAddress!, count: count)
            }
        }
        for i in 0..<count {
            let g = Double(gate[i])
            let expected = g / (1 + Foundation.exp(-g)) * Double(up[i])
            #expect(abs(Double(out[i]) - expected) < 1e-5 * max(1, abs(expected)))
            #expect(sum[i] == gate[i] + up[i])
        }
    }

    @Test func linearMatchesNaiveMatrixProduct() {
        for rows in [1, 7] {
            let inF = 33, outF = 19
            let x = Self.randomValues(rows * inF, seed: 6), w = Self.randomValues(outF * inF, seed: 7)
            let out = FloatBuffer(Self.randomValues(rows * outF, seed: 8))
            let before = out.array
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    BLAS.linear(out: out.pointer, inp: xp.baseAddress!, weight: wp.baseAddress!, rows: rows,
                                inFeatures: inF, outFeatures: outF, alpha: 0.5, accumulate: true)
                }
            }
            for r in 0..<rows {
                for o in 0..<outF {
                    var acc: Float = 0
                    for i in 0..<inF { acc += x[r * inF + i] * w[o * inF + i] }
                    #expect(abs(out[r * outF + o] - (before[r * outF + o] + 0.5 * acc)) < 1e-5)
                }
            }
        }
    }
}
