import Foundation
import TensorKit

/// Which positions of a forward call get logits.
public enum LogitRows: Sendable, Equatable {
    /// Every token (scoring, training).
    case all
    /// The last token of each segment (generation).
    case lastOfEachSegment
    /// None: the caller applies the LM head itself (e.g. training, only where loss is taken).
    case none
}

/// Logits of a forward call, and its activations when they were kept.
public struct ForwardResult: @unchecked Sendable {
    /// (rows, V), row r for token `logitTokens[r]` of the call.
    public let logits: Matrix
    public let logitTokens: [Int]
    public let activations: ForwardActivations?
}

/// A Llama model in Float32 with an optional LoRA adapter.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    public var weights: LlamaWeights
    /// Applied in every adapted projection as y += scale · (x·Aᵀ)·Bᵀ.
    public var adapter: LoRAAdapter?
    public let inverseFrequencies: [Float]

    public init(config: LlamaConfig, weights: LlamaWeights, adapter: LoRAAdapter? = nil) {
        self.config = config
        self.weights = weights
        self.adapter = adapter
        inverseFrequencies = RoPE.inverseFrequencies(headDim: config.headDim, base: config.ropeBase)
    }

    /// Logits (T, V) for one sequence at every position.
    public func logits(tokens: [Int]) throws -> Matrix {
        let cache = KVCache(config: config, slots: 1, capacity: max(1, tokens.count))
        return try forward(tokens: tokens, segments: [SequenceSegment(slot: 0, start: 0, count: tokens.count)],
                           cache: cache, logitRows: .all).logits
    }

    /// Runs the transformer on `tokens`, laid out as consecutive `segments`, writing their keys and
    /// values into `cache`. With `keepActivations` every intermediate the backward pass needs is kept.
    public func forward(tokens: [Int], segments: [SequenceSegment], cache: KVCache,
                        logitRows: LogitRows, keepActivations: Bool = false) throws -> ForwardResult {
        try check(tokens: tokens, segments: segments, cache: cache)
        let n = tokens.count, c = config.dim, f = config.hiddenDim, kv = config.kvDim
        var positions = [Int32]()
        positions.reserveCapacity(n)
        for segment in segments { for p in segment.start..<segment.end { positions.append(Int32(p)) } }
        let probabilityCount = keepActivations
            ? ForwardActivations.probabilityOffsets(segments: segments, heads: config.heads).total : 0

        // The residual stream: one buffer updated in place, or per-layer buffers when kept.
        let stream = FloatBuffer(count: n * c)  // (N, C)
        embed(out: stream.pointer, tokens: tokens)
        var kept: [LayerActivations] = []
        let scratch = keepActivations ? nil
            : LayerActivations(config: config, tokens: n, probabilityCount: 0, lora: adapter, layer: 0,
                               residual: stream, ffnResidual: stream)
        var input = stream
        for layer in 0..<config.layers {
            let acts: LayerActivations
            if let scratch {
                acts = scratch
                if let adapter, layer < adapter.layers.count { ensureLoRAHidden(acts, adapter.layers[layer], tokens: n) }
            } else {
                acts = LayerActivations(config: config, tokens: n, probabilityCount: probabilityCount,
                                        lora: adapter, layer: layer, residual: input)
                kept.append(acts)
            }
            let w = weights.layers[layer]
            let lora = adapter.flatMap { layer < $0.layers.count ? $0.layers[layer] : nil } ?? [:]

            // attention block
            RMSNorm.forward(out: acts.attnNormed.pointer, rstd: acts.attnRstd.pointer, inp: acts.attnInput.pointer,
                            weight: w.attnNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
            project(acts.q, acts.attnNormed, w.wq, rows: n, inFeatures: c, outFeatures: c, lora, .q, acts)
            project(acts.k, acts.attnNormed, w.wk, rows: n, inFeatures: c, outFeatures: kv, lora, .k, acts)
            project(acts.v, acts.attnNormed, w.wv, rows: n, inFeatures: c, outFeatures: kv, lora, .v, acts)
            positions.withUnsafeBufferPointer { pos in
                RoPE.apply(acts.q.pointer, positions: pos.baseAddress!, tokens: n, heads: config.heads,
                           headDim: config.headDim, inverseFrequencies: inverseFrequencies)
                RoPE.apply(acts.k.pointer, positions: pos.baseAddress!, tokens: n, heads: config.kvHeads,
                           headDim: config.headDim, inverseFrequencies: inverseFrequencies)
            }
            store(keys: acts.k, values: acts.v, layer: layer, segments: segments, cache: cache)
            Attention.forward(out: acts.attnOut.pointer, probabilities: keepActivations ? acts.probabilities.pointer : nil,
                              q: acts.q.pointer, cache: cache, layer: layer, segments: segments, config: config)
            let attnProjected = FloatBuffer(count: n * c)  // (N, C)
            project(attnProjected, acts.attnOut, w.wo, rows: n, inFeatures: c, outFeatures: c, lora, .o, acts)
            Elementwise.add(out: acts.ffnInput.pointer, a: acts.attnInput.pointer, b: attnProjected.pointer, count: n * c)

            // MLP block
            RMSNorm.forward(out: acts.ffnNormed.pointer, rstd: acts.ffnRstd.pointer, inp: acts.ffnInput.pointer,
                            weight: w.ffnNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
            project(acts.gate, acts.ffnNormed, w.wGate, rows: n, inFeatures: c, outFeatures: f, lora, .gate, acts)
            project(acts.up, acts.ffnNormed, w.wUp, rows: n, inFeatures: c, outFeatures: f, lora, .up, acts)
            Elementwise.swiglu(out: acts.swiglu.pointer, gate: acts.gate.pointer, up: acts.up.pointer, count: n * f)
            let mlpOut = attnProjected  // (N, C), reused
            project(mlpOut, acts.swiglu, w.wDown, rows: n, inFeatures: f, outFeatures: c, lora, .down, acts)
            let next = keepActivations ? FloatBuffer(count: n * c) : stream
            Elementwise.add(out: next.pointer, a: acts.ffnInput.pointer, b: mlpOut.pointer, count: n * c)
            input = next
        }

        let finalRstd = FloatBuffer(count: n)
        let finalNormed = FloatBuffer(count: n * c)  // (N, C)
        RMSNorm.forward(out: finalNormed.pointer, rstd: finalRstd.pointer, inp: input.pointer,
                        weight: weights.finalNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
        let rows: [Int]
        switch logitRows {
        case .all: rows = Array(0..<n)
        case .none: rows = []
        case .lastOfEachSegment:
            var end = 0
            rows = segments.map { end += $0.count; return end - 1 }
        }
        let logits = lmHead(hidden: finalNormed, rows: rows)
        let activations = keepActivations
            ? ForwardActivations(tokens: n, segments: segments, positions: positions, layers: kept,
                                 finalInput: input, finalRstd: finalRstd, finalNormed: finalNormed)
            : nil
        return ForwardResult(logits: logits, logitTokens: rows, activations: activations)
    }

    /// logits (rows.count, V) = hidden[rows] (·, C) · outputWeightᵀ.
    public func lmHead(hidden: FloatBuffer, rows: [Int]) -> Matrix {
        let c = config.dim, v = config.vocabSize
        let logits = Matrix(rows: rows.count, cols: v)
        guard !rows.isEmpty else { return logits }
        let contiguous = rows == Array(0..<rows.count)
        let source: FloatBuffer
        if contiguous {
            source = hidden
        } else {
            source = FloatBuffer(count: rows.count * c)
            for (r, row) in rows.enumerated() { (source.pointer + r * c).update(from: hidden.pointer + row * c, count: c) }
        }
        BLAS.linear(out: logits.pointer, inp: source.pointer, weight: weights.outputWeight.pointer,
                    rows: rows.count, inFeatures: c, outFeatures: v)
        return logits
    }

    // MARK: - Steps

    /// out (N, C) ← rows of the token embedding.
    private func embed(out: UnsafeMutablePointer<Float>, tokens: [Int]) {
        let c = config.dim
        let table = weights.tokenEmbedding.pointer
        for (n, token) in tokens.enumerated() { (out + n * c).update(from: table + token * c, count: c) }
    }

    /// out (N, out) = inp (N, in) · Wᵀ, plus scale · (inp · Aᵀ) · Bᵀ when the target is adapted.
    private func project(_ out: FloatBuffer, _ inp: FloatBuffer, _ weight: FloatBuffer, rows: Int,
                         inFeatures: Int, outFeatures: Int, _ lora: [LoRATarget: LoRAWeights],
                         _ target: LoRATarget, _ acts: LayerActivations) {
        BLAS.linear(out: out.pointer, inp: inp.pointer, weight: weight.pointer, rows: rows,
                    inFeatures: inFeatures, outFeatures: outFeatures)
        guard let adapter, let pair = lora[target], let hidden = acts.loraHidden[target] else { return }
        let rank = pair.rank
        pair.a.withUnsafeBufferPointer { a in
            BLAS.linear(out: hidden.pointer, inp: inp.pointer, weight: a.baseAddress!, rows: rows,
                        inFeatures: inFeatures, outFeatures: rank)
        }
        pair.b.withUnsafeBufferPointer { b in
            BLAS.linear(out: out.pointer, inp: hidden.pointer, weight: b.baseAddress!, rows: rows,
                        inFeatures: rank, outFeatures: outFeatures, alpha: adapter.config.scale, accumulate: true)
        }
    }

    private func ensureLoRAHidden(_ acts: LayerActivations, _ layer: [LoRATarget: LoRAWeights], tokens: Int) {
        for (target, weights) in layer where (acts.loraHidden[target]?.count ?? 0) < tokens * weights.rank {
            acts.loraHidden[target] = FloatBuffer(count: tokens * weights.rank)
        }
    }

    /// Copies this call's keys and values (N, KVH*HD) into the cache at each segment's positions.
    private func store(keys: FloatBuffer, values: FloatBuffer, layer: Int, segments: [SequenceSegment], cache: KVCache) {
        let kv = config.kvDim
        var token = 0
        for segment in segments {
            let count = segment.count * kv
            (cache.keys(layer: layer, slot: segment.slot) + segment.start * kv).update(from: keys.pointer + token * kv, count: count)
            (cache.values(layer: layer, slot: segment.slot) + segment.start * kv).update(from: values.pointer + token * kv, count: count)
            token += segment.count
        }
    }

    private func check(tokens: [Int], segments: [SequenceSegment], cache: KVCache) throws {
        var total = 0
        for segment in segments {
            guard segment.slot >= 0, segment.slot < cache.slots, segment.start >= 0, segment.count > 0 else {
                throw LlamaError.invalidConfig(source: "forward", reason: "segment \(segment) does not fit a cache of \(cache.slots) slots")
            }
            guard segment.end <= cache.capacity else {
                throw LlamaError.contextOverflow(needed: segment.end, limit: cache.capacity)
            }
            total += segment.count
        }
        guard total == tokens.count, total > 0 else {
            throw LlamaError.invalidConfig(source: "forward", reason: "segments cover \(total) tokens but \(tokens.count) were given")
        }
        for token in tokens where token < 0 || token >= config.vocabSize {
            throw LlamaError.tokenOutOfRange(token: token, vocabSize: config.vocabSize)
        }
    }
}
