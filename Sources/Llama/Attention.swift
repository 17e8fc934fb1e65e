import Foundation
import TensorKit

/// Grouped-query causal attention over the KV cache. Query head h reads KV head h / (NH / KVH).
/// Long segments (prefill, training) go through sgemm per head; single tokens and short runs
/// (decode) through `DecodeAttention` spread over the cores, one unit per (token, KV head).
enum Attention {
    /// Segments shorter than this use `DecodeAttention`.
    static let sgemmThreshold = 8

    /// out (N, NH*HD) ← q (N, NH*HD) and the cache of `layer`, which already holds this call's keys
    /// and values. When `probabilities` is given the softmax rows are kept there (see LayerActivations).
    static func forward(out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>?,
                        q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                        segments: [SequenceSegment], config: LlamaConfig) {
        let heads = config.heads, headDim = config.headDim, dim = config.dim, kvDim = config.kvDim
        let group = heads / config.kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let offsets = ForwardActivations.probabilityOffsets(segments: segments, heads: heads).offsets

        var tokenOffset = 0
        var small: [(segment: Int, token: Int, firstToken: Int)] = []
        for (index, segment) in segments.enumerated() {
            defer { tokenOffset += segment.count }
            if segment.count < sgemmThreshold {
                for i in 0..<segment.count { small.append((index, i, tokenOffset)) }
                continue
            }
            let keys = cache.keys(layer: layer, slot: segment.slot)
            let values = cache.values(layer: layer, slot: segment.slot)
            let width = segment.end
            let scratch = probabilities == nil ? FloatBuffer(count: segment.count * width) : nil
            for head in 0..<heads {
                let kvHead = head / group
                let scores = probabilities.map { $0 + offsets[index][head] } ?? scratch!.pointer
                // (count, HD) · (HD, end) → (count, end)
                BLAS.sgemm(transposeB: true, m: segment.count, n: width, k: headDim, alpha: scale,
                           a: q + tokenOffset * dim + head * headDim, lda: dim,
                           b: keys + kvHead * headDim, ldb: kvDim, c: scores, ldc: width)
                let start = segment.start
                Parallel.forChunks(segment.count, minimumPerChunk: max(1, 16384 / width)) { rows in
                    for row in rows {
                        Softmax.row(scores + row * width, length: start + row + 1, width: width)
                    }
                }
                // (count, end) · (end, HD) → (count, HD)
                BLAS.sgemm(m: segment.count, n: headDim, k: width, a: scores, lda: width,
                           b: values + kvHead * headDim, ldb: kvDim,
                           c: out + tokenOffset * dim + head * headDim, ldc: dim)
            }
        }
        guard !small.isEmpty else { return }

        let units = small.count * config.kvHeads
        let longest = segments.map(\.end).max() ?? 0
        Parallel.forChunks(units, minimumPerChunk: max(1, 32768 / max(1, longest * headDim))) { range in
            let scratch = probabilities == nil ? UnsafeMutablePointer<Float>.allocate(capacity: group * longest) : nil
            defer { scratch?.deallocate() }
            for unit in range {
                let (index, i, firstToken) = small[unit / config.kvHeads]
                let kvHead = unit % config.kvHeads
                let segment = segments[index]
                let length = segment.start + i + 1
                let token = firstToken + i
                let firstHead = kvHead * group
                // Kept probabilities: head h's row i at offsets[index][h] + i · end, heads count · end apart.
                let scores = probabilities.map { $0 + offsets[index][firstHead] + i * segment.end } ?? scratch!
                let scoreStride = probabilities == nil ? longest : segment.count * segment.end
                DecodeAttention.row(group: group, headDim: headDim, length: length, scale: scale,
                                    q: q + token * dim + firstHead * headDim, qStride: headDim,
                                    keys: cache.keys(layer: layer, slot: segment.slot) + kvHead * headDim,
                                    values: cache.values(layer: layer, slot: segment.slot) + kvHead * headDim,
                                    kvStride: kvDim, scores: scores, scoreStride: scoreStride,
                                    out: out + token * dim + firstHead * headDim, outStride: headDim)
                if probabilities != nil, segment.end > length {
                    // The causal mask: positions after this token get probability 0.
                    for member in 0..<group {
                        (scores + member * scoreStride + length).update(repeating: 0, count: segment.end - length)
                    }
                }
            }
        }
    }
}
