import Foundation
import TensorKit

// The LM head and masked cross-entropy, fused with the softmax backward. Logits are formed only at
// positions that carry a loss, a chunk at a time, so the (N, V) matrix never exists whole.
// Legend: N rows (B·T), C width, V vocabulary.

/// Sum over positions with targets[n] ≥ 0 of −log softmax(h[n] · Wᵀ)[targets[n]].
/// When `dinp` is given, adds d(sum · gradScale)/d h into it (the head weight is frozen).
/// h (N, C), weight (V, C), targets (N) with −1 where no loss is taken.
public func maskedCrossEntropy(dinp: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               n: Int, c: Int, v: Int, gradScale: Float, chunkRows: Int = 64) -> Double {
    let rows = (0..<n).filter { targets[$0] >= 0 }
    if rows.isEmpty { return 0 }
    let chunk = max(1, min(chunkRows, rows.count))
    let gathered = UnsafeMutablePointer<Float>.allocate(capacity: chunk * c)
    let logits = UnsafeMutablePointer<Float>.allocate(capacity: chunk * v)
    let dgathered = UnsafeMutablePointer<Float>.allocate(capacity: chunk * c)
    defer { gathered.deallocate(); logits.deallocate(); dgathered.deallocate() }
    var total: Double = 0
    var start = 0
    while start < rows.count {
        let count = min(chunk, rows.count - start)
        for j in 0..<count { (gathered + j * c).update(from: inp + rows[start + j] * c, count: c) }
        matmulForward(out: logits, inp: gathered, weight: weight, n: count, c: c, oc: v)
        let rowLosses = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { rowLosses.deallocate() }
        Parallel.forChunks(count) { chunkRange in
            for j in chunkRange {
                let row = logits + j * v
                let target = Int(targets[rows[start + j]])
                let targetLogit = row[target]
                let maxValue = vmax(row, v)
                // exponentials in place, summed in float64 per 16-lane block
                var sum: Double = 0
                var i = 0
                let m = SIMD16<Float>(repeating: maxValue)
                while i + 16 <= v {
                    let e = vexp(vload(row + i) - m)
                    vstore(e, row + i)
                    sum += Double(e.sum())
                    i += 16
                }
                while i < v { let e = expf(row[i] - maxValue); row[i] = e; sum += Double(e); i += 1 }
                rowLosses[j] = Double(maxValue) + log(sum) - Double(targetLogit)
                // d loss / d logits = softmax − onehot
                let factor = Float(1 / sum) * gradScale
                i = 0
                while i + 16 <= v { vstore(vload(row + i) * factor, row + i); i += 16 }
                while i < v { row[i] *= factor; i += 1 }
                row[target] -= gradScale
            }
        }
        for j in 0..<count { total += rowLosses[j] }
        if let dinp {
            dgathered.update(repeating: 0, count: count * c)
            matmulBackward(dinp: dgathered, dweight: nil, dout: logits, inp: gathered, weight: weight,
                           n: count, c: c, oc: v)
            for j in 0..<count {
                let dst = dinp + rows[start + j] * c
                let src = dgathered + j * c
                for i in 0..<c { dst[i] += src[i] }
            }
        }
        start += count
    }
    return total
}
