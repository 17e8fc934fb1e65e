import Foundation
import TensorKit

/// log softmax(row)[target] and whether target is the row's largest logit, for rows of logits
/// (V floats each). 16 lanes at a time with `exp16`; sums of exponentials in float32 partials
/// flushed into a float64 every 1,024 terms (as the training loss does), so a 49k-term sum keeps
/// its precision.
public enum TokenLogProbabilities {
    public struct Entry: Sendable, Equatable {
        public var logProbability: Double
        /// target is an argmax of the row (lm-eval's `is_greedy` per token).
        public var isTop: Bool
    }

    /// One entry per (row, target) pair; rows are scored in parallel.
    public static func entries(logits: UnsafePointer<Float>, vocabulary v: Int, rows: [Int], targets: [Int]) -> [Entry] {
        precondition(rows.count == targets.count)
        var out = [Entry](repeating: Entry(logProbability: 0, isTop: false), count: rows.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forChunks(rows.count) { chunk in
                for j in chunk { base[j] = entry(logits + rows[j] * v, count: v, target: targets[j]) }
            }
        }
        return out
    }

    @inline(__always)
    static func entry(_ row: UnsafePointer<Float>, count v: Int, target: Int) -> Entry {
        let maxValue = Softmax.maximum(row, count: v)
        let shift = SIMD16<Float>(repeating: maxValue)
        var sum: Double = 0
        var partial = SIMD16<Float>()
        var i = 0
        while i + 16 <= v {
            partial += exp16(load16(row + i) - shift)
            i += 16
            if i & 1023 == 0 { sum += Double(laneSum(partial)); partial = SIMD16<Float>() }
        }
        sum += Double(laneSum(partial))
        while i < v { sum += Double(expf(row[i] - maxValue)); i += 1 }
        return Entry(logProbability: Double(row[target]) - Double(maxValue) - log(sum), isTop: row[target] >= maxValue)
    }
}
