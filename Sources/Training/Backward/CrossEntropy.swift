import Foundation
import Llama
import TensorKit

// The LM head and masked cross-entropy, fused with the softmax backward. Logits are formed only at
// positions that carry a loss, a chunk at a time, so the (N, V) matrix never exists whole. A chunk of
// 512 rows (100 MB of logits for a 49k vocabulary) keeps the head's sgemm near the machine's peak;
// at 64 rows it ran at half of it. Large vocabularies take fewer rows, at most 128 MB of logits
// (Gemma's 262k: 128 rows).
// Legend: N rows (B·T), C width, V vocabulary.

/// Sum over positions with targets[n] ≥ 0 of −log softmax(h[n] · Wᵀ)[targets[n]].
/// When `dinp` is given, adds d(sum · gradScale)/d h into it (the head weight is frozen).
/// h (N, C), weight (V, C), targets (N) with −1 where no loss is taken. The head's two products
/// are taken in W's precision (`FrozenOperand`); softmax and the loss are float32 (sums float64).
/// `logitsScratch`, when given, holds min(chunkRows, N) × V floats and is used instead of a fresh
/// allocation (100 MB that the allocator would map and page-fault in again on every call).
public func maskedCrossEntropy(dinp: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                               weight: FrozenOperand, targets: UnsafePointer<Int32>,
                               n: Int, c: Int, v: Int, gradScale: Float, chunkRows: Int? = nil,
                               logitsScratch: UnsafeMutablePointer<Float>? = nil) -> Double {
    let rows = (0..<n).filter { targets[$0] >= 0 }
    if rows.isEmpty { return 0 }
    let chunk = max(1, min(chunkRows ?? crossEntropyChunkRows(vocabulary: v), rows.count))
    let gathered = UnsafeMutablePointer<Float>.allocate(capacity: chunk * c)
    let logits = logitsScratch ?? UnsafeMutablePointer<Float>.allocate(capacity: chunk * v)
    let dgathered = UnsafeMutablePointer<Float>.allocate(capacity: chunk * c)
    defer {
        gathered.deallocate(); dgathered.deallocate()
        if logitsScratch == nil { logits.deallocate() }
    }
    var total: Double = 0
    var start = 0
    while start < rows.count {
        let count = min(chunk, rows.count - start)
        for j in 0..<count { (gathered + j * c).update(from: inp + rows[start + j] * c, count: c) }
        frozenLinearForward(out: logits, inp: gathered, weight: weight, n: count, c: c, oc: v)
        let rowLosses = UnsafeMutablePointer<Double>.allocate(capacity: count)
        defer { rowLosses.deallocate() }
        Parallel.forChunks(count) { chunkRange in
            for j in chunkRange {
                rowLosses[j] = SoftmaxCrossEntropy.row(logits + j * v, count: v, target: Int(targets[rows[start + j]]),
                                                       gradScale: gradScale)
            }
        }
        for j in 0..<count { total += rowLosses[j] }
        if let dinp {
            frozenLinearInputGradient(dinp: dgathered, dout: logits, weight: weight, n: count, c: c, oc: v,
                                      accumulate: false)
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

/// `maskedCrossEntropy` with the head weight (V, C) in float32.
public func maskedCrossEntropy(dinp: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               n: Int, c: Int, v: Int, gradScale: Float, chunkRows: Int? = nil,
                               logitsScratch: UnsafeMutablePointer<Float>? = nil) -> Double {
    maskedCrossEntropy(dinp: dinp, inp: inp, weight: .f32(weight), targets: targets, n: n, c: c, v: v,
                       gradScale: gradScale, chunkRows: chunkRows, logitsScratch: logitsScratch)
}

/// Rows of logits formed at a time by `maskedCrossEntropy`: 512, or fewer so that a chunk's logits
/// stay within 128 MB.
public func crossEntropyChunkRows(vocabulary: Int) -> Int {
    max(16, min(512, (32 << 20) / max(1, vocabulary)))
}
