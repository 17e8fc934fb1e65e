import Foundation
import TensorKit

/// What every layer of one forward call shares; kept with the activations so a layer can be
/// computed again during a backward pass.
struct LayerPass {
    let tokens: Int
    let segments: [SequenceSegment]
    /// Nil: attention reads the call's own keys and values (every segment starts at 0).
    let cache: KVCache?
    let routes: RowRoutes
    /// cos and sin of each token's angles per rotary table of the family, (N, R/2) each.
    let rope: [RotaryAngles]
    let adapter: AdapterOperands?
    let keepsProbabilities: Bool
    /// (N, C) the o and down products before their residual add, when the stream is updated in
    /// place; nil when kept activations give them a buffer of their own.
    let projected: FloatBuffer?
    /// (N, Σ out) outputs of bf16 or int8 projections packed together.
    let joined: FloatBuffer?
}

extension LlamaModel {
    /// Runs the transformer on `tokens`, laid out as consecutive `segments`. With a `cache`, each
    /// segment's keys and values are written at its positions and attention reads every earlier
    /// position there (generation); without one, every segment starts at position 0 and attends
    /// within the call (scoring, training). With `keeping`, every intermediate a backward pass needs
    /// is left in those buffers; otherwise reused scratch buffers hold one layer at a time. `adapter`
    /// replaces the model's own for this call.
    public func forward(tokens: [Int], segments: [SequenceSegment], cache: KVCache?, logitRows: LogitRows,
                        keeping kept: ForwardActivations? = nil, adapter: AdapterOperands? = nil,
                        products: ProjectionRoute = .bySegmentLength) throws -> ForwardResult {
        try check(tokens: tokens, segments: segments, cache: cache, kept: kept)
        let n = tokens.count, c = config.dim
        var positions = [Int32]()
        positions.reserveCapacity(n)
        for segment in segments { for p in segment.start..<segment.end { positions.append(Int32(p)) } }
        let scratch = kept == nil ? scratchPool.take(config: config, tokens: n) : nil
        defer { if let scratch { scratchPool.give(scratch) } }

        let rope = kept?.rope ?? scratch!.rope
        positions.withUnsafeBufferPointer { pos in
            for (index, (table, angles)) in zip(config.family.rope, rope).enumerated() {
                // LongRoPE chooses its factors per sequence, by the last position it reaches (as
                // transformers does per sequence length); every other table has one set for all.
                let pieces = table.longFactors == nil ? [(first: 0, count: n, last: 0)] : segmentRanges(segments)
                for piece in pieces {
                    let half = angles.dimensions / 2
                    RoPE.angles(cosines: angles.cosines.pointer + piece.first * half, sines: angles.sines.pointer + piece.first * half,
                                positions: pos.baseAddress! + piece.first, tokens: piece.count,
                                inverseFrequencies: rotaryFrequencies(table: index, lastPosition: piece.last),
                                scale: table.attentionFactor)
                }
            }
        }
        let pass = LayerPass(
            tokens: n, segments: segments, cache: cache,
            routes: products == .float32 ? RowRoutes(float32Rows: n) : RowRoutes(segments: segments),
            rope: rope, adapter: adapter ?? adapterOperands, keepsProbabilities: kept != nil,
            projected: scratch?.projected, joined: packedWeights.map { (kept?.joined ?? scratch!.joined).take(n * $0.joinedWidth) })

        // The residual stream: one scratch buffer updated in place, or each layer's input kept.
        let stream = kept?.residuals[0] ?? scratch!.stream  // (N, C)
        try embed(out: stream.pointer, tokens: tokens)
        for l in 0..<config.layers {
            if let kept {
                layer(l, input: kept.residuals[l], output: kept.residuals[l + 1], acts: kept.layer(l), pass: pass)
            } else {
                layer(l, input: stream, output: stream, acts: scratch!.layer, pass: pass)
            }
        }
        let finalInput = kept?.residuals[config.layers] ?? stream
        let finalRstd = kept?.finalRstd ?? scratch!.finalRstd
        let finalNormed = kept?.finalNormed ?? scratch!.finalNormed  // (N, C)
        RMSNorm.forward(out: finalNormed.pointer, rstd: finalRstd.pointer, inp: finalInput.pointer,
                        weight: weights.finalNorm.pointer, rows: n, cols: c, eps: config.rmsEps)
        kept?.pass = pass

        let rows: [Int]
        switch logitRows {
        case .all: rows = Array(0..<n)
        case .none: rows = []
        case .lastOfEachSegment:
            var end = 0
            rows = segments.map { end += $0.count; return end - 1 }
        }
        let logits = lmHead(hidden: finalNormed, rows: rows, segments: products == .float32 ? nil : segments)
        var hidden: FloatBuffer?
        if logitRows == .none {
            hidden = kept?.finalNormed
            if hidden == nil {  // the scratch goes back to the pool: hand out a copy
                let copy = FloatBuffer(uninitializedCount: n * c)
                copy.pointer.update(from: finalNormed.pointer, count: n * c)
                hidden = copy
            }
        }
        return ForwardResult(logits: logits, logitTokens: rows, hidden: hidden)
    }

    /// Each segment's rows in the call and its last position.
    private func segmentRanges(_ segments: [SequenceSegment]) -> [(first: Int, count: Int, last: Int)] {
        var first = 0
        return segments.map { segment in
            defer { first += segment.count }
            return (first, segment.count, segment.end - 1)
        }
    }

    /// Computes layer `l` again from its kept input into `activations.layer(l)`, for a backward pass
    /// over activations that keep only each layer's input.
    public func recompute(layer l: Int, in activations: ForwardActivations) {
        guard let pass = activations.pass else { preconditionFailure("recompute before any forward call") }
        layer(l, input: activations.residuals[l], output: activations.recomputedOutput, acts: activations.layer(l), pass: pass)
    }

    /// output (N, C) = block `l` applied to input (N, C), filling `acts` on the way: the list of
    /// kernel calls every use of the model runs (a backward pass runs it reversed). `input` and
    /// `output` may be one buffer when nothing is kept.
    func layer(_ l: Int, input: FloatBuffer, output: FloatBuffer, acts: LayerActivations, pass: LayerPass) {
        let n = pass.tokens, c = config.dim, hd = config.headDim, eps = config.rmsEps, w = weights.layers[l]
        let attention = config.family.layers[l]
        // attention block
        RMSNorm.forward(out: acts.attnNormed.pointer, rstd: acts.attnRstd.pointer, inp: input.pointer,
                        weight: w.attnNorm.pointer, rows: n, cols: c, eps: eps)
        let qOut = w.qNorm == nil ? acts.q : acts.qRaw, kOut = w.kNorm == nil ? acts.k : acts.kRaw
        project(l, [.q, .k, .v], outs: [qOut, kOut, acts.v], inp: acts.attnNormed, acts: acts, pass: pass)
        for (out, bias, width) in [(qOut, w.bq, config.qDim), (kOut, w.bk, config.kvDim), (acts.v, w.bv, config.kvDim)] {
            if let bias { Elementwise.addBias(out.pointer, bias: bias.pointer, rows: n, width: width) }
        }
        // per-head norms over HD, (N·heads) rows
        if let qNorm = w.qNorm, let kNorm = w.kNorm {
            RMSNorm.forward(out: acts.q.pointer, rstd: acts.qRstd.pointer, inp: acts.qRaw.pointer, weight: qNorm.pointer,
                            rows: n * config.heads, cols: hd, eps: eps)
            RMSNorm.forward(out: acts.k.pointer, rstd: acts.kRstd.pointer, inp: acts.kRaw.pointer, weight: kNorm.pointer,
                            rows: n * config.kvHeads, cols: hd, eps: eps)
        }
        if let table = attention.rope {
            let angles = pass.rope[table]
            for (x, heads) in [(acts.q, config.heads), (acts.k, config.kvHeads)] {
                RoPE.apply(x.pointer, cosines: angles.cosines.pointer, sines: angles.sines.pointer, tokens: n,
                           heads: heads, headDim: hd, rotated: angles.dimensions)
            }
        }
        let keys: Attention.Keys
        if let cache = pass.cache {
            store(keys: acts.k, values: acts.v, layer: l, segments: pass.segments, cache: cache)
            keys = .cache(cache, layer: l)
        } else {
            keys = .call(keys: acts.k.pointer, values: acts.v.pointer)
        }
        Attention.forward(out: acts.attnOut.pointer, probabilities: pass.keepsProbabilities ? acts.probabilities.pointer : nil,
                          q: acts.q.pointer, keys: keys, segments: pass.segments, heads: config.heads,
                          kvHeads: config.kvHeads, headDim: hd, window: attention.window)
        if let postNorm = w.postAttnNorm {
            // o, then its norm into the residual's buffer (in place on `projected` when nothing is kept)
            let projected = pass.projected ?? acts.attnProjected, normed = pass.projected ?? acts.ffnInput
            project(l, [.o], outs: [projected], inp: acts.attnOut, acts: acts, pass: pass)
            RMSNorm.forward(out: normed.pointer, rstd: acts.attnPostRstd.pointer, inp: projected.pointer,
                            weight: postNorm.pointer, rows: n, cols: c, eps: eps)
            Elementwise.add(out: acts.ffnInput.pointer, a: normed.pointer, b: input.pointer, count: n * c)
        } else {
            let attention = pass.projected ?? acts.ffnInput
            project(l, [.o], outs: [attention], inp: acts.attnOut, acts: acts, pass: pass)
            Elementwise.add(out: acts.ffnInput.pointer, a: attention.pointer, b: input.pointer, count: n * c)
        }

        // MLP block
        RMSNorm.forward(out: acts.ffnNormed.pointer, rstd: acts.ffnRstd.pointer, inp: acts.ffnInput.pointer,
                        weight: w.ffnNorm.pointer, rows: n, cols: c, eps: eps)
        project(l, [.gate, .up], outs: [acts.gate, acts.up], inp: acts.ffnNormed, acts: acts, pass: pass)
        switch config.family.activation {
        case .silu:
            Elementwise.swiglu(out: acts.swiglu.pointer, gate: acts.gate.pointer, up: acts.up.pointer, count: n * config.hiddenDim)
        case .geluTanh:
            Elementwise.geglu(out: acts.swiglu.pointer, gate: acts.gate.pointer, up: acts.up.pointer, count: n * config.hiddenDim)
        }
        if let postNorm = w.postFFNNorm {
            let projected = pass.projected ?? acts.mlpProjected, normed = pass.projected ?? output
            project(l, [.down], outs: [projected], inp: acts.swiglu, acts: acts, pass: pass)
            RMSNorm.forward(out: normed.pointer, rstd: acts.mlpPostRstd.pointer, inp: projected.pointer,
                            weight: postNorm.pointer, rows: n, cols: c, eps: eps)
            Elementwise.add(out: output.pointer, a: normed.pointer, b: acts.ffnInput.pointer, count: n * c)
        } else {
            let mlp = pass.projected ?? output
            project(l, [.down], outs: [mlp], inp: acts.swiglu, acts: acts, pass: pass)
            Elementwise.add(out: output.pointer, a: mlp.pointer, b: acts.ffnInput.pointer, count: n * c)
        }
    }

    /// outs[i] (N, out_i) = inp (N, in) · W_iᵀ for projections sharing one input, plus
    /// scale · (drop(inp) · Aᵀ) · Bᵀ for each adapted target (its hidden and mask kept in `acts`).
    private func project(_ l: Int, _ targets: [LoRATarget], outs: [FloatBuffer], inp: FloatBuffer,
                         acts: LayerActivations, pass: LayerPass) {
        let n = pass.tokens
        if let packedWeights, let joined = pass.joined {
            packedWeights.linear(layer: l, targets: targets, outs: outs.map(\.pointer), inp: inp.pointer, rows: n,
                               joined: joined.pointer)
        } else {
            let decode = decodeWeights!.layers[l], weights = weights.layers[l]
            pass.routes.linear(outs: outs.map(\.pointer), inp: inp.pointer, quantized: targets.map { decode.projection($0) },
                               float32: targets.map { weights.projection($0) })
        }
        guard let adapter = pass.adapter else { return }
        for (target, out) in zip(targets, outs) {
            guard let pair = adapter.pair(layer: l, target: target) else { continue }
            let (inFeatures, outFeatures) = target.features(config)
            let hidden = acts.loraHidden(target, count: n * pair.rank)
            func add(_ x: UnsafePointer<Float>) {
                pass.routes.addLoRA(out: out.pointer, inp: x, hidden: hidden.pointer, pair: pair, inFeatures: inFeatures,
                                    outFeatures: outFeatures, scale: adapter.scale)
            }
            guard let dropout = adapter.dropout else { add(inp.pointer); continue }
            let count = n * inFeatures
            let mask = acts.dropoutMask(target, count: count)
            dropout.fill(l, target, mask.pointer, count)
            let dropped = FloatBuffer(uninitializedCount: count)
            Elementwise.multiply(out: dropped.pointer, a: inp.pointer, b: mask.pointer, count: count)
            add(dropped.pointer)
        }
    }

    /// out (N, C) ← rows of the token embedding, times the family's embedding scale (Gemma's √C);
    /// read from the file's blocks when the model keeps no Float32 copy of a large embedding.
    private func embed(out: UnsafeMutablePointer<Float>, tokens: [Int]) throws {
        let c = config.dim, scale = config.family.embeddingScale
        let table = weights.tokenEmbedding.pointer
        for (n, token) in tokens.enumerated() {
            if let fileEmbedding {
                try fileEmbedding.dequantizeRows(token..<(token + 1), into: out + n * c)
            } else {
                (out + n * c).update(from: table + token * c, count: c)
            }
            if scale != 1 { for i in 0..<c { out[n * c + i] *= scale } }
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

    private func check(tokens: [Int], segments: [SequenceSegment], cache: KVCache?, kept: ForwardActivations?) throws {
        var total = 0
        for segment in segments {
            guard segment.start >= 0, segment.count > 0 else {
                throw LlamaError.invalidConfig(source: "forward", reason: "segment \(segment) is empty or starts before 0")
            }
            if let cache {
                guard segment.slot >= 0, segment.slot < cache.slots else {
                    throw LlamaError.invalidConfig(source: "forward", reason: "segment \(segment) does not fit a cache of \(cache.slots) slots")
                }
                guard segment.end <= cache.capacity else {
                    throw LlamaError.contextOverflow(needed: segment.end, limit: cache.capacity)
                }
            } else if segment.start != 0 {
                throw LlamaError.invalidConfig(source: "forward", reason: "segment \(segment) continues a sequence, which needs a KV cache")
            }
            total += segment.count
        }
        guard total == tokens.count, total > 0 else {
            throw LlamaError.invalidConfig(source: "forward", reason: "segments cover \(total) tokens but \(tokens.count) were given")
        }
        if let kept, !kept.fits(tokens: total, segments: segments, heads: config.heads) {
            throw LlamaError.invalidConfig(source: "forward", reason: "\(total) tokens do not fit activations kept for \(kept.capacity)")
        }
        for token in tokens where token < 0 || token >= config.vocabSize {
            throw LlamaError.tokenOutOfRange(token: token, vocabSize: config.vocabSize)
        }
    }
}
