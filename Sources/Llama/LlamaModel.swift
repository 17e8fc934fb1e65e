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

/// A Llama model in Float32 with an optional LoRA adapter. In `.f32`, decode steps and short prompts
/// multiply by `decodeWeights` (the model file's quantized blocks), long prompts by the Float32
/// `weights` through sgemm; see `RowRoutes`. In `.bf16`, every row of every call multiplies the
/// projections and the LM head packed in bfloat16 (`BF16Weights`), so a sequence's logits are the
/// same whatever shares its batch; the adapter's products stay Float32, routed as in `.f32`.
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    /// In `.bf16` the projections' buffers may be empty (count 0) when the packs were made straight
    /// from the model file; the embedding, norms and LM head are always complete. Replacing the
    /// weights re-points the decode kernels at them (`.f32`) or repacks them (`.bf16`; the new
    /// projections must be complete).
    public var weights: LlamaWeights {
        didSet {
            switch projections {
            case .f32: projections = .f32(DecodeWeights(float32: weights, config: config))
            case .bf16: projections = .bf16(try! BF16Weights.pack(float32: weights, config: config)!)
            }
        }
    }
    /// What the projections and the LM head multiply with.
    private var projections: Projections
    /// The arithmetic of the projections and the LM head.
    public var precision: ComputePrecision {
        switch projections {
        case .f32: return .f32
        case .bf16: return .bf16
        }
    }
    /// The projections as decode reads them in `.f32`: the file's blocks when loaded from a GGUF.
    /// Nil in `.bf16`, where every product goes through `bf16Weights`.
    public var decodeWeights: DecodeWeights? {
        if case let .f32(decode) = projections { return decode }
        return nil
    }
    /// The packs every product multiplies in `.bf16`; nil in `.f32`.
    var bf16Weights: BF16Weights? {
        if case let .bf16(packs) = projections { return packs }
        return nil
    }
    /// Applied in every adapted projection as y += scale · (x·Aᵀ)·Bᵀ.
    public var adapter: LoRAAdapter?
    public let inverseFrequencies: [Float]
    private let scratchPool = ForwardScratchPool()

    /// A model whose decode kernels read the Float32 `weights`.
    public convenience init(config: LlamaConfig, weights: LlamaWeights, adapter: LoRAAdapter? = nil) {
        self.init(config: config, weights: weights,
                  projections: .f32(DecodeWeights(float32: weights, config: config)), adapter: adapter)
    }

    /// A model computing in `precision`; in `.bf16` the complete Float32 `weights` are packed (and
    /// kept). Throws when this CPU cannot run `precision`.
    public convenience init(config: LlamaConfig, weights: LlamaWeights, adapter: LoRAAdapter? = nil,
                            precision: ComputePrecision) throws {
        switch precision {
        case .f32:
            self.init(config: config, weights: weights, adapter: adapter)
        case .bf16:
            guard let packs = try BF16Weights.pack(float32: weights, config: config) else {
                throw LlamaError.unavailablePrecision(precision, reason: precision.unavailableReason ?? "")
            }
            self.init(config: config, weights: weights, projections: .bf16(packs), adapter: adapter)
        }
    }

    /// What the projections multiply with: the decode kernels' view of the weights (`.f32`), or the
    /// bf16 packs (`.bf16`).
    enum Projections {
        case f32(DecodeWeights)
        case bf16(BF16Weights)
    }

    init(config: LlamaConfig, weights: LlamaWeights, projections: Projections, adapter: LoRAAdapter?) {
        self.config = config
        self.projections = projections
        self.weights = weights
        self.adapter = adapter
        inverseFrequencies = RoPE.inverseFrequencies(headDim: config.headDim, base: config.ropeBase)
    }

    /// Bytes of the bf16 packs (0 in `.f32`).
    public var bf16PackedBytes: Int { bf16Weights?.bytes ?? 0 }

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
        let n = tokens.count, c = config.dim, f = config.hiddenDim
        var positions = [Int32]()
        positions.reserveCapacity(n)
        for segment in segments { for p in segment.start..<segment.end { positions.append(Int32(p)) } }
        let probabilityCount = keepActivations
            ? ForwardActivations.probabilityOffsets(segments: segments, heads: config.heads).total : 0
        let routes = RowRoutes(segments: segments)
        // (N, Σ out) outputs of projections packed together in bf16, for this call only: kept in
        // the scratches it would stay allocated at every prefill size they were made for.
        let joined = bf16Weights.map { FloatBuffer(uninitializedCount: n * $0.joinedWidth) }
        // Without kept activations every buffer comes from a reused scratch.
        let scratch = keepActivations ? nil : scratchPool.take(config: config, tokens: n)
        defer { if let scratch { scratchPool.give(scratch) } }

        // The residual stream: one buffer updated in place, or per-layer buffers when kept.
        let stream = scratch?.stream ?? FloatBuffer(count: n * c)  // (N, C)
        let projected = scratch?.projected ?? FloatBuffer(count: n * c)  // (N, C) o, then down
        embed(out: stream.pointer, tokens: tokens)
        let cosines = scratch?.ropeCosines ?? FloatBuffer(count: n * config.headDim / 2)  // (N, HD/2)
        let sines = scratch?.ropeSines ?? FloatBuffer(count: n * config.headDim / 2)
        positions.withUnsafeBufferPointer { pos in
            RoPE.angles(cosines: cosines.pointer, sines: sines.pointer, positions: pos.baseAddress!, tokens: n,
                        inverseFrequencies: inverseFrequencies)
        }
        var kept: [LayerActivations] = []
        var input = stream
        for layer in 0..<config.layers {
            let acts: LayerActivations
            if let scratch {
                acts = scratch.layer
                if let adapter, layer < adapter.layers.count { ensureLoRAHidden(acts, adapter.layers[layer], tokens: n) }
            } else {
                acts = LayerActivations(config: config, tokens: n, probabilityCount: probabilityCount,
                                        lora: adapter, layer: layer, residual: input)
                kept.append(acts)
            }
            let w = weights.layers[layer]
            let lora = adapter.flatMap { layer < $0.layers.count ? $0.layers[layer] : nil } ?? [:]
            func project(_ targets: [LoRATarget], _ outs: [FloatBuffer], _ inp: FloatBuffer) {
                self.project(targets, outs: outs, inp: inp, layer: layer, tokens: n, routes: routes,
                             lora: lora, acts: acts, joined: joined)
            }

            // attention block
            RMSNorm.forward(out: acts.attnNormed.pointer, rstd: acts.attnRstd.pointer, inp: acts.attnInput.pointer,
                            weight: w.attnNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
            project([.q, .k, .v], [acts.q, acts.k, acts.v], acts.attnNormed)
            RoPE.apply(acts.q.pointer, cosines: cosines.pointer, sines: sines.pointer, tokens: n, heads: config.heads,
                       headDim: config.headDim)
            RoPE.apply(acts.k.pointer, cosines: cosines.pointer, sines: sines.pointer, tokens: n, heads: config.kvHeads,
                       headDim: config.headDim)
            store(keys: acts.k, values: acts.v, layer: layer, segments: segments, cache: cache)
            Attention.forward(out: acts.attnOut.pointer, probabilities: keepActivations ? acts.probabilities.pointer : nil,
                              q: acts.q.pointer, cache: cache, layer: layer, segments: segments, config: config)
            project([.o], [projected], acts.attnOut)
            Elementwise.add(out: acts.ffnInput.pointer, a: acts.attnInput.pointer, b: projected.pointer, count: n * c)

            // MLP block
            RMSNorm.forward(out: acts.ffnNormed.pointer, rstd: acts.ffnRstd.pointer, inp: acts.ffnInput.pointer,
                            weight: w.ffnNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
            project([.gate, .up], [acts.gate, acts.up], acts.ffnNormed)
            Elementwise.swiglu(out: acts.swiglu.pointer, gate: acts.gate.pointer, up: acts.up.pointer, count: n * f)
            project([.down], [projected], acts.swiglu)
            let next = keepActivations ? FloatBuffer(count: n * c) : stream
            Elementwise.add(out: next.pointer, a: acts.ffnInput.pointer, b: projected.pointer, count: n * c)
            input = next
        }

        let finalRstd = scratch?.finalRstd ?? FloatBuffer(count: n)
        let finalNormed = scratch?.finalNormed ?? FloatBuffer(count: n * c)  // (N, C)
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
        let logits = lmHead(hidden: finalNormed, rows: rows, segments: segments)
        let activations = keepActivations
            ? ForwardActivations(tokens: n, segments: segments, positions: positions, layers: kept,
                                 finalInput: input, finalRstd: finalRstd, finalNormed: finalNormed)
            : nil
        return ForwardResult(logits: logits, logitTokens: rows, activations: activations)
    }

    /// logits (rows.count, V) = hidden[rows] (·, C) · outputWeightᵀ. In `.bf16` every row uses the
    /// packed head. In `.f32`, given the call's `segments`, rows of short segments use the decode
    /// kernels (see `RowRoutes`); without, all use sgemm.
    public func lmHead(hidden: FloatBuffer, rows: [Int], segments: [SequenceSegment]? = nil) -> Matrix {
        let c = config.dim, v = config.vocabSize
        // Every logit is written below: no need to zero (rows.count × 196 KB for SmolLM2) first.
        let logits = Matrix(rows: rows.count, cols: v, storage: FloatBuffer(uninitializedCount: rows.count * v))
        guard !rows.isEmpty else { return logits }
        let contiguous = rows == Array(0..<rows.count)
        let source: FloatBuffer
        if contiguous {
            source = hidden
        } else {
            source = FloatBuffer(count: rows.count * c)
            for (r, row) in rows.enumerated() { (source.pointer + r * c).update(from: hidden.pointer + row * c, count: c) }
        }
        if let bf16Weights {
            bf16Weights.output.multiply(rows: rows.count, a: source.pointer, lda: c, into: logits.pointer, ldc: v)
            return logits
        }
        let routes = segments.map { RowRoutes(tokens: rows, segments: $0) } ?? RowRoutes(float32Rows: rows.count)
        routes.linear(outs: [logits.pointer], inp: source.pointer, quantized: [decodeWeights!.output],
                      float32: [weights.outputWeight])
        return logits
    }

    // MARK: - Steps

    /// out (N, C) ← rows of the token embedding.
    private func embed(out: UnsafeMutablePointer<Float>, tokens: [Int]) {
        let c = config.dim
        let table = weights.tokenEmbedding.pointer
        for (n, token) in tokens.enumerated() { (out + n * c).update(from: table + token * c, count: c) }
    }

    /// outs[i] (N, out_i) = inp (N, in) · W_iᵀ for projections sharing one input, plus
    /// scale · (inp · Aᵀ) · Bᵀ for each adapted target.
    private func project(_ targets: [LoRATarget], outs: [FloatBuffer], inp: FloatBuffer, layer: Int, tokens: Int,
                         routes: RowRoutes, lora: [LoRATarget: LoRAWeights], acts: LayerActivations,
                         joined: FloatBuffer?) {
        if let bf16Weights, let joined {
            bf16Weights.linear(layer: layer, targets: targets, outs: outs.map(\.pointer), inp: inp.pointer, rows: tokens,
                               joined: joined.pointer)
        } else {
            let decode = decodeWeights!.layers[layer], weights = weights.layers[layer]
            routes.linear(outs: outs.map(\.pointer), inp: inp.pointer, quantized: targets.map { decode.projection($0) },
                          float32: targets.map { weights.projection($0) })
        }
        guard let adapter else { return }
        for (target, out) in zip(targets, outs) {
            guard let pair = lora[target], let hidden = acts.loraHidden[target] else { continue }
            routes.addLoRA(out: out.pointer, inp: inp.pointer, hidden: hidden.pointer, pair: pair, scale: adapter.config.scale)
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
