import Foundation
import Llama
import TestSupport
import Testing
import Harness

/// The scorer computes each context once and its choices in cache slots of their own; the sums must
/// be those of scoring every (context + choice) sequence whole, row by row.
@Suite struct LogLikelihoodScorerTests {
    /// log softmax over a logits row, in Double.
    static func logProbability(_ logits: UnsafePointer<Float>, vocabulary: Int, target: Int) -> (Double, Bool) {
        var maximum = -Double.infinity
        for i in 0..<vocabulary { maximum = max(maximum, Double(logits[i])) }
        var sum = 0.0
        for i in 0..<vocabulary { sum += exp(Double(logits[i]) - maximum) }
        return (Double(logits[target]) - maximum - log(sum), Double(logits[target]) >= maximum)
    }

    @Test func sharedContextScoresEqualWholeSequenceScores() throws {
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        let v = model.config.vocabSize
        var generator = SystemRandomNumberGenerator()
        func tokens(_ n: Int) -> [Int] { (0..<n).map { _ in Int.random(in: 3..<v, using: &generator) } }
        // Contexts across attention-block boundaries; one-token and longer continuations.
        let items = [EncodedItem(context: tokens(37), continuations: [tokens(1), tokens(5), tokens(9)]),
                     EncodedItem(context: tokens(3), continuations: [tokens(2), tokens(1)]),
                     EncodedItem(context: [5], continuations: [tokens(4), tokens(4), tokens(1), tokens(7)])]
        for itemsPerCall in [1, 2, 4] {
            let scored = try LogLikelihoodScorer(model: model, itemsPerCall: itemsPerCall).score(items)
            for (item, scores) in zip(items, scored) {
                for (continuation, score) in zip(item.continuations, scores) {
                    let whole = item.context + continuation
                    let logits = try model.logits(tokens: whole)
                    var expected = 0.0, greedy = true
                    for (j, target) in continuation.enumerated() {
                        let row = item.context.count - 1 + j
                        let (lp, top) = Self.logProbability(logits.storage.pointer + row * v, vocabulary: v, target: target)
                        expected += lp
                        greedy = greedy && top
                    }
                    #expect(abs(score.logLikelihood - expected) < 1e-3, "\(itemsPerCall) per call: \(score.logLikelihood) vs \(expected)")
                    #expect(score.tokens == continuation.count)
                    #expect(score.isGreedy == greedy)
                }
            }
        }
    }

    @Test func tokenLogProbabilitiesMatchADoubleSoftmax() {
        let v = 49_157  // not a multiple of 16: the tail loop runs
        var row = [Float](repeating: 0, count: v)
        for i in 0..<v { row[i] = Float(sin(Double(i) * 0.37) * 9) }
        row.withUnsafeBufferPointer { buffer in
            let entries = TokenLogProbabilities.entries(logits: buffer.baseAddress!, vocabulary: v, rows: [0, 0], targets: [12, v - 1])
            for (entry, target) in zip(entries, [12, v - 1]) {
                let (expected, top) = Self.logProbability(buffer.baseAddress!, vocabulary: v, target: target)
                #expect(abs(entry.logProbability - expected) < 1e-5)
                #expect(entry.isTop == top)
            }
        }
    }

    /// A sum of 49,152 exponentials kept in 16 float32 lanes to the end loses the terms that fall
    /// below its lanes' rounding and comes out low, so every log-probability comes out high by the
    /// same amount: torch's float32 `log_softmax`, which lm-eval's `--model hf` uses, gives SmolLM2's
    /// PIQA choices +8.7e-6 nats per token above a float64 pass (choices of 120+ tokens beyond 1e-3).
    /// The partial sums flushed into a Double keep Tollgate's rows unbiased; on this row plain lanes
    /// are off by about 2e-6.
    @Test func tokenLogProbabilitiesCarryNoFloat32SumBias() {
        let v = 49_152
        let row: [Float] = (0..<v).map { i -> Float in  // spread like a standard deviation of 4
            let x = Double(i)
            let waves: Double = sin(x * 0.37) + sin(x * 1.618) + sin(x * 0.0123)
            return Float(waves * 4 / 1.2)
        }
        let expected: Double = row.withUnsafeBufferPointer { Self.logProbability($0.baseAddress!, vocabulary: v, target: 7).0 }
        let entry = row.withUnsafeBufferPointer {
            TokenLogProbabilities.entries(logits: $0.baseAddress!, vocabulary: v, rows: [0], targets: [7])[0]
        }
        #expect(abs(entry.logProbability - expected) < 5e-7, "\(entry.logProbability - expected)")
        // The same row summed in 16 float32 lanes throughout: the bias this test is there to catch.
        let maximum = row.max()!
        var lanes = SIMD16<Float>()
        for i in stride(from: 0, to: v, by: 16) {
            lanes += SIMD16<Float>((0..<16).map { Float(exp(Double(row[i + $0] - maximum))) })
        }
        let laneLogProbability: Double = Double(row[7]) - Double(maximum) - log(Double(lanes.sum()))
        #expect(laneLogProbability - expected > 1e-6, "\(laneLogProbability - expected)")
    }
}
