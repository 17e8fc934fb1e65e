import Foundation
import TensorKit
import Testing

/// The decode attention kernel against a naive softmax-weighted sum in Double, for every
/// instruction set this CPU runs, odd head widths and lengths, and strided layouts.
struct DecodeAttentionTests {
    @Test func matchesNaiveAttentionOnEveryInstructionSet() {
        let shapes: [(group: Int, headDim: Int, length: Int)] = [(1, 64, 1), (3, 64, 17), (4, 40, 5), (2, 72, 33), (3, 128, 70)]
        for (index, shape) in shapes.enumerated() {
            let kvStride = shape.headDim * 3 + 8, qStride = shape.headDim + 4
            let q = KernelTests.randomValues(shape.group * qStride, seed: UInt64(index + 1), scale: 2)
            let keys = KernelTests.randomValues(shape.length * kvStride, seed: UInt64(index + 11), scale: 2)
            let values = KernelTests.randomValues(shape.length * kvStride, seed: UInt64(index + 21))
            let scale = 1 / Float(shape.headDim).squareRoot()
            var expectedScores: [Double] = [], expectedOut: [Double] = []
            for g in 0..<shape.group {
                let logits = (0..<shape.length).map { t in
                    (0..<shape.headDim).reduce(0.0) { $0 + Double(q[g * qStride + $1]) * Double(keys[t * kvStride + $1]) } * Double(scale)
                }
                let maximum = logits.max()!
                let weights = logits.map { exp($0 - maximum) }
                let total = weights.reduce(0, +)
                expectedScores += weights.map { $0 / total }
                for j in 0..<shape.headDim {
                    expectedOut.append((0..<shape.length).reduce(0.0) { $0 + weights[$1] / total * Double(values[$1 * kvStride + j]) })
                }
            }
            for isa in KernelInstructionSet.available {
                let scores = FloatBuffer(count: shape.group * shape.length), out = FloatBuffer(count: shape.group * shape.headDim)
                q.withUnsafeBufferPointer { qp in
                    keys.withUnsafeBufferPointer { kp in
                        values.withUnsafeBufferPointer { vp in
                            DecodeAttention.row(group: shape.group, headDim: shape.headDim, length: shape.length, scale: scale,
                                                q: qp.baseAddress!, qStride: qStride, keys: kp.baseAddress!, values: vp.baseAddress!,
                                                kvStride: kvStride, scores: scores.pointer, scoreStride: shape.length,
                                                out: out.pointer, outStride: shape.headDim, instructionSet: isa)
                        }
                    }
                }
                let scoreError = zip(scores.array, expectedScores).map { abs(Double($0) - $1) }.max()!
                let outError = zip(out.array, expectedOut).map { abs(Double($0) - $1) }.max()!
                #expect(scoreError < 1e-6, "\(isa) \(shape): probabilities off by \(scoreError)")
                #expect(outError < 1e-5, "\(isa) \(shape): output off by \(outError)")
            }
        }
    }
}
