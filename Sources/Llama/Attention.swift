import Foundation
import TensorKit

/// Grouped-query causal attention over the KV cache. Query head h reads KV head h / (NH / KVH).
/// Long segments (prefill, training) go through sgemm per head; single tokens and short runs
/// (decode) through a SIMD kernel spread over the cores, one unit per (token, KV head).
enum Attention {
    /// Segments shorter than this use the SIMD kernel.
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
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: group * (longest + 16))
            defer { scratch.deallocate() }
            for unit in range {
                let (index, i, firstToken) = small[unit / config.kvHeads]
                let kvHead = unit % config.kvHeads
                let segment = segments[index]
                let length = segment.start + i + 1
                let keys = cache.keys(layer: layer, slot: segment.slot) + kvHead * headDim
                let values = cache.values(layer: layer, slot: segment.slot) + kvHead * headDim
                let token = firstToken + i
                for member in 0..<group {
                    let head = kvHead * group + member
                    let query = q + token * dim + head * headDim
                    let scores = probabilities.map { $0 + offsets[index][head] + i * segment.end }
                        ?? scratch + member * (longest + 16)
                    for t in 0..<length {
                        scores[t] = dot(query, keys + t * kvDim, headDim) * scale
                    }
                    Softmax.row(scores, length: length, width: probabilities == nil ? length : segment.end)
                    let output = out + token * dim + head * headDim
                    output.update(repeating: 0, count: headDim)
                    for t in 0..<length {
                        let p = scores[t]
                        let row = values + t * kvDim
                        var j = 0
                        while j + 16 <= headDim {
                            store16(load16(output + j) + load16(row + j) * p, output + j)
                            j += 16
                        }
                        while j < headDim { output[j] += row[j] * p; j += 1 }
                    }
                }
            }
        }
    }
}
