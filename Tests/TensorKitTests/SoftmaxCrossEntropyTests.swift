import Foundation
import TensorKit
import Testing

/// The fused softmax cross-entropy row against float64, for every instruction set this CPU runs:
/// lengths around the 16-lane vectors and the 1,024-term flushes, up to Gemma 3's vocabulary, with
/// the target first, inside and in the tail.
struct SoftmaxCrossEntropyTests {
    @Test func matchesFloat64OnEveryInstructionSet() {
        let lengths = [1, 15, 16, 17, 1023, 1024, 1040, 49_152, 262_144 + 5]
        for (index, length) in lengths.enumerated() {
            let logits = KernelTests.randomValues(length, seed: UInt64(index + 31), scale: 12)
            let maximum = Double(logits.max()!)
            let exponentials = logits.map { exp(Double($0) - maximum) }
            let total = exponentials.reduce(0, +)
            for target in Set([0, length / 2, length - 1]) {
                let gradScale: Float = 0.25
                let expectedLoss = maximum + log(total) - Double(logits[target])
                for isa in KernelInstructionSet.available {
                    var row = logits
                    let loss = row.withUnsafeMutableBufferPointer {
                        SoftmaxCrossEntropy.row($0.baseAddress!, count: length, target: target, gradScale: gradScale, instructionSet: isa)
                    }
                    #expect(abs(loss - expectedLoss) <= 1e-6 * max(1, abs(expectedLoss)), "\(isa) length \(length) target \(target)")
                    var worst = 0.0
                    for i in 0..<length {
                        let expected = Double(gradScale) * (exponentials[i] / total - (i == target ? 1 : 0))
                        worst = max(worst, abs(Double(row[i]) - expected))
                    }
                    // Probabilities are at most 1: an absolute bound of a few float32 ulps of gradScale.
                    #expect(worst <= 2e-7, "\(isa) length \(length) target \(target): gradient off by \(worst)")
                }
            }
        }
    }

    /// The kernel gives the bits of the Swift row it replaced (TensorKit's exp16 on the x86-64 baseline
    /// vectors), so the training figures taken before it — goldens, the demo — are unchanged.
    @Test func givesTheBitsOfTheSwiftRowItReplaced() {
        for (index, length) in [17, 1040, 49_152, 262_144 + 5].enumerated() {
            let logits = KernelTests.randomValues(length, seed: UInt64(index + 51), scale: 20)
            var expected = logits
            let expectedLoss = expected.withUnsafeMutableBufferPointer {
                swiftRow($0.baseAddress!, v: length, target: length / 3, gradScale: 0.125)
            }
            for isa in KernelInstructionSet.available {
                var row = logits
                let loss = row.withUnsafeMutableBufferPointer {
                    SoftmaxCrossEntropy.row($0.baseAddress!, count: length, target: length / 3, gradScale: 0.125, instructionSet: isa)
                }
                #expect(loss == expectedLoss, "\(isa) length \(length)")
                #expect(row == expected, "\(isa) length \(length)")
            }
        }
    }

    private func swiftRow(_ row: UnsafeMutablePointer<Float>, v: Int, target: Int, gradScale: Float) -> Double {
        let targetLogit = row[target]
        let maxValue = Softmax.maximum(row, count: v)
        let shift = SIMD16<Float>(repeating: maxValue)
        var sum: Double = 0
        var partial = SIMD16<Float>()
        var i = 0
        while i + 16 <= v {
            let e = exp16(load16(row + i) - shift)
            store16(e, row + i)
            partial += e
            i += 16
            if i & 1023 == 0 { sum += Double(laneSum(partial)); partial = SIMD16<Float>() }
        }
        sum += Double(laneSum(partial))
        while i < v { let e = expf(row[i] - maxValue); row[i] = e; sum += Double(e); i += 1 }
        let factor = Float(1 / sum) * gradScale
        for j in 0..<v { row[j] *= factor }
        row[target] -= gradScale
        return Double(maxValue) + log(sum) - Double(targetLogit)
    }
}
