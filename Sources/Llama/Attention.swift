import Foundation
import TensorKit

/// Grouped-query causal attention of one forward call. Query head h reads KV head h / (NH / KVH).
/// Long segments (prefill, scoring, training) go through sgemm in blocks of `causalBlock` query rows,
/// each block multiplying only the keys it can see (about 5/8 of the full products at 128 tokens),
/// one (segment, head, block) per unit of work on one-thread sgemm; single tokens and short runs
/// (decode) through `DecodeAttention`, one unit per (token, KV head).
public enum Attention {
    /// Segments shorter than this use `DecodeAttention`.
    static let sgemmThreshold = 8
    /// Query rows of a long segment handled as one unit.
    public static let causalBlock = 32

    /// Where the keys and values of a call are read.
    public enum Keys {
        /// The cache of `layer`, which already holds this call's keys and values.
        case cache(KVCache, layer: Int)
        /// The call's own keys and values (N, KVH*HD): every segment starts at position 0.
        case call(keys: UnsafePointer<Float>, values: UnsafePointer<Float>)
    }

    /// out (N, NH*HD) ← softmax(scale · q kᵀ) v for q (N, NH*HD), causal within each segment. When
    /// `probabilities` is given the softmax rows are kept there: for each segment in call order, for
    /// each head, (count, start + count), zero after each row's last visible key (see
    /// `ForwardActivations.probabilityOffsets`) — for B segments of T tokens from position 0 that is
    /// (B, NH, T, T). With a sliding `window`, a query at position p sees only keys p − window + 1 … p
    /// (the others get probability 0).
    public static func forward(out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>?,
                               q: UnsafePointer<Float>, keys: Keys, segments: [SequenceSegment],
                               heads: Int, kvHeads: Int, headDim: Int, window: Int? = nil) {
        let dim = heads * headDim, kvDim = kvHeads * headDim, group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let offsets = probabilities == nil ? [] : ForwardActivations.probabilityOffsets(segments: segments, heads: heads).offsets
        var tokenOffsets: [Int] = []
        var total = 0
        for segment in segments { tokenOffsets.append(total); total += segment.count }
        func source(_ index: Int) -> (keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
            switch keys {
            case let .cache(cache, layer):
                let slot = segments[index].slot
                return (UnsafePointer(cache.keys(layer: layer, slot: slot)), UnsafePointer(cache.values(layer: layer, slot: slot)))
            case let .call(k, v):
                precondition(segments[index].start == 0, "attention without a cache needs segments from position 0")
                return (k + tokenOffsets[index] * kvDim, v + tokenOffsets[index] * kvDim)
            }
        }

        // Long segments: (segment, head, first row) units.
        var blocks: [(segment: Int, head: Int, first: Int)] = []
        var small: [(segment: Int, token: Int)] = []
        for (index, segment) in segments.enumerated() {
            if segment.routeLength < sgemmThreshold {
                for i in 0..<segment.count { small.append((index, i)) }
                continue
            }
            for head in 0..<heads {
                for first in stride(from: 0, to: segment.count, by: causalBlock) { blocks.append((index, head, first)) }
            }
        }
        if !blocks.isEmpty {
            let longest = segments.map(\.end).max() ?? 0
            BLAS.withSingleThread {
                Parallel.forChunks(blocks.count) { range in
                    let scratch = probabilities == nil ? UnsafeMutablePointer<Float>.allocate(capacity: causalBlock * longest) : nil
                    defer { scratch?.deallocate() }
                    for unit in range {
                        let (index, head, first) = blocks[unit]
                        let segment = segments[index], (k, v) = source(index)
                        let rows = min(causalBlock, segment.count - first), visible = segment.start + first + rows
                        // Kept rows are `end` wide (masked tail zeroed); scratch rows only as wide as the block sees.
                        let width = probabilities == nil ? visible : segment.end
                        let scores = probabilities.map { $0 + offsets[index][head] + first * segment.end } ?? scratch!
                        let kvHead = head / group, token = tokenOffsets[index] + first
                        // (rows, HD) · (HD, visible) → (rows, visible)
                        BLAS.sgemm(transposeB: true, m: rows, n: visible, k: headDim, alpha: scale,
                                   a: q + token * dim + head * headDim, lda: dim, b: k + kvHead * headDim, ldb: kvDim,
                                   c: scores, ldc: width)
                        for row in 0..<rows {
                            let position = segment.start + first + row
                            let hidden = firstVisibleKey(position: position, window: window)
                            if hidden > 0 { (scores + row * width).update(repeating: -.infinity, count: hidden) }
                            Softmax.row(scores + row * width, length: position + 1, width: width)
                        }
                        // (rows, visible) · (visible, HD) → (rows, HD)
                        BLAS.sgemm(m: rows, n: headDim, k: visible, a: scores, lda: width, b: v + kvHead * headDim, ldb: kvDim,
                                   c: out + token * dim + head * headDim, ldc: dim)
                    }
                }
            }
        }
        guard !small.isEmpty else { return }

        let units = small.count * kvHeads
        let longest = segments.map(\.end).max() ?? 0
        Parallel.forChunks(units, minimumPerChunk: max(1, 32768 / max(1, longest * headDim))) { range in
            let scratch = probabilities == nil ? UnsafeMutablePointer<Float>.allocate(capacity: group * longest) : nil
            defer { scratch?.deallocate() }
            for unit in range {
                let (index, i) = small[unit / kvHeads]
                let kvHead = unit % kvHeads
                let segment = segments[index], (k, v) = source(index)
                let length = segment.start + i + 1
                let token = tokenOffsets[index] + i
                let firstHead = kvHead * group
                // Keys before `hidden` are outside the sliding window.
                let hidden = firstVisibleKey(position: length - 1, window: window)
                // Kept probabilities: head h's row i at offsets[index][h] + i · end, heads count · end apart.
                let scores = probabilities.map { $0 + offsets[index][firstHead] + i * segment.end } ?? scratch!
                let scoreStride = probabilities == nil ? longest : segment.count * segment.end
                DecodeAttention.row(group: group, headDim: headDim, length: length - hidden, scale: scale,
                                    q: q + token * dim + firstHead * headDim, qStride: headDim,
                                    keys: k + hidden * kvDim + kvHead * headDim, values: v + hidden * kvDim + kvHead * headDim,
                                    kvStride: kvDim, scores: scores + hidden, scoreStride: scoreStride,
                                    out: out + token * dim + firstHead * headDim, outStride: headDim)
                if probabilities != nil {
                    for member in 0..<group {
                        // The causal mask: positions after this token get probability 0; so do those before the window.
                        if segment.end > length { (scores + member * scoreStride + length).update(repeating: 0, count: segment.end - length) }
                        if hidden > 0 { (scores + member * scoreStride).update(repeating: 0, count: hidden) }
                    }
                }
            }
        }
    }

    /// The first key a query at `position` sees: 0 for global attention, else position − window + 1.
    @inline(__always)
    static func firstVisibleKey(position: Int, window: Int?) -> Int {
        guard let window else { return 0 }
        return max(0, position - window + 1)
    }
}
