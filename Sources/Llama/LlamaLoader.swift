import Foundation
import ModelIO
import TensorKit

extension LlamaModel {
    /// Loads a GGUF of any supported family: every tensor dequantized in parallel, q/k rows in Hugging
    /// Face order, the tied embedding kept once for both lookup and LM head. In `.f32` the file
    /// stays mapped: decode reads the projections' quantized blocks from it (`DecodeWeights`). In
    /// `.bf16` and `.int8` each projection is dequantized into a scratch and packed (`PackedWeights`);
    /// no Float32 copy of the projections is kept. Throws when this CPU cannot run `precision`.
    /// `use` decides the forms the weights are held in (see `ModelUse`).
    public static func load(url: URL, adapter: LoRAAdapter? = nil, precision: ComputePrecision = .f32,
                            use: ModelUse = .inference) throws -> LlamaModel {
        try load(file: try GGUFFile(url: url), adapter: adapter, precision: precision, use: use)
    }

    public static func load(file: GGUFFile, adapter: LoRAAdapter? = nil, precision: ComputePrecision = .f32,
                            use: ModelUse = .inference) throws -> LlamaModel {
        if let reason = precision.unavailableReason { throw LlamaError.unavailablePrecision(precision, reason: reason) }
        let url = file.url
        let config = try LlamaConfig(gguf: file)
        let loader = LlamaWeightLoader(file: file, config: config)
        if let adapter { try adapter.validate(for: config, source: url.path) }
        // Every weight is copied out by then; decode maps the blocks it reads back in on use.
        defer { file.releaseResidentPages() }
        switch precision {
        case .f32:
            // Training multiplies only the Float32 weights: the file need not stay mapped.
            if use == .training {
                let weights = try loader.load()
                return LlamaModel(config: config, weights: weights, projections: .f32(DecodeWeights(float32: weights, config: config)),
                                  adapter: adapter)
            }
            // A large embedding (Gemma's 262,144 × 640: 671 MB in Float32) is read from the file's blocks
            // for both its uses, rows for the input and the decode kernels for the LM head.
            let fileEmbedding = DecodeWeights.fileEmbedding(file, config: config)
            let weights = try loader.load(embedding: fileEmbedding == nil)
            let decode = DecodeWeights(file: file, weights: weights, config: config, fileEmbedding: fileEmbedding)
            return LlamaModel(config: config, weights: weights, projections: .f32(decode), adapter: adapter,
                              fileEmbedding: fileEmbedding)
        case .bf16, .int8:
            // In int8 a large tied embedding stays in the file too (for training as well): rows are read
            // from its blocks and the head's two packs are made from it a slice at a time.
            let fileEmbedding = precision == .int8 ? DecodeWeights.fileEmbedding(file, config: config) : nil
            let weights = try loader.load(projections: false, embedding: fileEmbedding == nil)
            let headRows = fileEmbedding.map { embedding in
                { @Sendable (rows: Range<Int>, out: UnsafeMutablePointer<Float>) throws in try embedding.dequantizeRows(rows, into: out) }
            }
            guard let packs = try PackedWeights.pack(precision, config: config, output: weights.outputWeight,
                                                     outputRows: headRows, inputGradients: use == .training,
                                                     fill: loader.projection) else {
                throw LlamaError.unavailablePrecision(precision, reason: precision.unavailableReason ?? "not on this CPU")
            }
            return LlamaModel(config: config, weights: weights, projections: .packed(packs, precision), adapter: adapter,
                              fileEmbedding: fileEmbedding)
        }
    }
}

/// Dequantizes every tensor of a GGUF of any supported family into its own buffer, several tensors
/// at a time: q/k rows un-permuted where the family's GGUFs permute them, fused tensors (Phi-3's
/// attn_qkv, and ffn_up holding gate and up) split into their projections, the optional pieces
/// (biases, q/k norms, post-norms) read where the family has them.
struct LlamaWeightLoader: Sendable {
    let file: GGUFFile
    let config: LlamaConfig

    private struct Job {
        let name: String
        let shape: [Int]        // row-major (out, in), or (n) for vectors
        let buffer: FloatBuffer
        let slice: TensorSlice
    }

    /// Every tensor; without `projections`, the projections are left as empty buffers (count 0)
    /// for `projection(layer:target:into:)` to read one at a time; without `embedding` the token
    /// embedding is too (the model reads the file's rows, see `DecodeWeights.fileEmbedding`).
    func load(projections: Bool = true, embedding readEmbedding: Bool = true) throws -> LlamaWeights {
        let c = config.dim, hd = config.headDim, family = config.family
        var jobs: [Job] = []
        func job(_ name: String, _ shape: [Int], _ slice: TensorSlice = .whole) -> FloatBuffer {
            let buffer = FloatBuffer(uninitializedCount: shape.reduce(1, *))  // every value is decoded into it
            jobs.append(Job(name: name, shape: shape, buffer: buffer, slice: slice))
            return buffer
        }
        func projection(_ l: Int, _ target: LoRATarget) throws -> FloatBuffer {
            guard projections else { return FloatBuffer(uninitializedCount: 0) }
            let (inFeatures, outFeatures) = target.features(config)
            let (name, slice) = try location(layer: l, target: target)
            return job(name, [outFeatures, inFeatures], slice)
        }
        func optional(_ name: String, _ shape: [Int], required: Bool) throws -> FloatBuffer? {
            guard file.tensor(named: name) != nil else {
                if required { throw LlamaError.missingTensor(source: file.url.lastPathComponent, name: name) }
                return nil
            }
            return job(name, shape)
        }
        let embedding = readEmbedding ? job("token_embd.weight", [config.vocabSize, c]) : FloatBuffer(uninitializedCount: 0)
        var layers: [LayerWeights] = []
        for l in 0..<config.layers {
            let p = "blk.\(l)."
            var layer = LayerWeights(
                attnNorm: job(p + "attn_norm.weight", [c]),
                wq: try projection(l, .q), wk: try projection(l, .k), wv: try projection(l, .v), wo: try projection(l, .o),
                ffnNorm: job(p + "ffn_norm.weight", [c]),
                wGate: try projection(l, .gate), wUp: try projection(l, .up), wDown: try projection(l, .down))
            for (target, width) in [(LoRATarget.q, config.qDim), (.k, config.kvDim), (.v, config.kvDim)] {
                let bias: FloatBuffer?
                if file.tensor(named: p + "attn_qkv.bias") != nil {
                    let offset = target == .q ? 0 : target == .k ? config.qDim : config.qDim + config.kvDim
                    bias = job(p + "attn_qkv.bias", [width], .vectorRows(offset, of: config.qDim + 2 * config.kvDim))
                } else {
                    let heads = family.permutedQK && target != .v ? (target == .q ? config.heads : config.kvHeads) : nil
                    bias = file.tensor(named: p + target.ggufName + ".bias") == nil ? nil
                        : job(p + target.ggufName + ".bias", [width], heads.map { .permutedVector(heads: $0) } ?? .whole)
                }
                switch target {
                case .q: layer.bq = bias
                case .k: layer.bk = bias
                default: layer.bv = bias
                }
            }
            layer.qNorm = try optional(p + "attn_q_norm.weight", [hd], required: family.qkNorm)
            layer.kNorm = try optional(p + "attn_k_norm.weight", [hd], required: family.qkNorm)
            if !family.qkNorm { layer.qNorm = nil; layer.kNorm = nil }
            layer.postAttnNorm = family.postNorms ? try optional(p + "post_attention_norm.weight", [c], required: true) : nil
            layer.postFFNNorm = family.postNorms ? try optional(p + "post_ffw_norm.weight", [c], required: true) : nil
            layers.append(layer)
        }
        let finalNorm = job("output_norm.weight", [c])
        let lmHead = config.tiedEmbeddings ? nil : job("output.weight", [config.vocabSize, c])

        // Largest first so the two cores finish together.
        let ordered = jobs.sorted { $0.buffer.count > $1.buffer.count }
        let failures = FailureBox()
        DispatchQueue.concurrentPerform(iterations: ordered.count) { index in
            do { try run(ordered[index]) } catch { failures.record(error) }
        }
        if let error = failures.first { throw error }
        return LlamaWeights(tokenEmbedding: embedding, layers: layers, finalNorm: finalNorm, lmHead: lmHead)
    }

    /// Writes projection `target` of block `layer`, (out, in) row-major in Hugging Face row order, into `out`.
    func projection(layer: Int, target: LoRATarget, into out: UnsafeMutablePointer<Float>) throws {
        let (inFeatures, outFeatures) = target.features(config)
        let (name, slice) = try location(layer: layer, target: target)
        try dequantize(name, shape: [outFeatures, inFeatures], slice: slice, into: out)
    }

    /// The tensor that holds projection `target` of block `layer` and which of its rows: its own
    /// tensor, or rows of a fused one (q, k, v in attn_qkv; gate then up in a 2F-row ffn_up).
    func location(layer l: Int, target: LoRATarget) throws -> (name: String, slice: TensorSlice) {
        let p = "blk.\(l).", q = config.qDim, kv = config.kvDim, f = config.hiddenDim
        if [.q, .k, .v].contains(target), file.tensor(named: p + "attn_qkv.weight") != nil {
            let offset = target == .q ? 0 : target == .k ? q : q + kv
            return (p + "attn_qkv.weight", .rows(offset, of: q + 2 * kv))
        }
        if [.gate, .up].contains(target), file.tensor(named: p + "ffn_gate.weight") == nil,
           file.tensor(named: p + "ffn_up.weight")?.rowCount == 2 * f {
            return (p + "ffn_up.weight", .rows(target == .gate ? 0 : f, of: 2 * f))
        }
        if [.q, .k].contains(target), config.family.permutedQK {
            return (p + target.ggufName + ".weight", .permuted(heads: target == .q ? config.heads : config.kvHeads))
        }
        return (p + target.ggufName + ".weight", .whole)
    }

    private func run(_ job: Job) throws {
        try dequantize(job.name, shape: job.shape, slice: job.slice, into: job.buffer.pointer)
    }

    private func dequantize(_ name: String, shape: [Int], slice: TensorSlice, into out: UnsafeMutablePointer<Float>) throws {
        let source = file.url.lastPathComponent
        guard let tensor = file.tensor(named: name) else {
            throw LlamaError.missingTensor(source: source, name: name)
        }
        let found = tensor.dimensions.count == 1 ? [tensor.dimensions[0]] : tensor.rowMajorShape
        var expected = shape
        switch slice {
        case let .rows(_, total): expected[0] = total
        case let .vectorRows(_, total): expected = [total]
        default: break
        }
        guard found == expected else {
            throw LlamaError.tensorShape(source: source, name: name, expected: expected, found: found)
        }
        switch slice {
        case .whole:
            try file.dequantize(tensor, into: out)
        case let .rows(offset, _):
            try file.dequantizeRows(tensor, offset..<(offset + shape[0]), into: out)
        case let .vectorRows(offset, _):
            let all = try file.dequantize(tensor)
            out.update(from: Array(all[offset..<(offset + shape[0])]), count: shape[0])
        case let .permuted(heads):
            // Each GGUF row decoded straight into its Hugging Face row.
            let rows = shape[0], cols = shape[1]
            for hfRow in 0..<rows {
                let ggufRow = RoPEPermutation.ggufRow(forHFRow: hfRow, rows: rows, heads: heads)
                try file.dequantizeRows(tensor, ggufRow..<(ggufRow + 1), into: out + hfRow * cols)
            }
        case let .permutedVector(heads):
            let all = try file.dequantize(tensor)
            for hfRow in 0..<shape[0] { out[hfRow] = all[RoPEPermutation.ggufRow(forHFRow: hfRow, rows: shape[0], heads: heads)] }
        }
    }
}

/// Which part of a GGUF tensor a weight is, and in which row order.
enum TensorSlice: Sendable, Equatable {
    case whole
    /// Rows offset ..< offset + (the weight's rows) of a tensor of `total` rows (a fused projection).
    case rows(Int, of: Int)
    /// Values offset ..< offset + (the weight's length) of a vector of `total` (a fused bias).
    case vectorRows(Int, of: Int)
    /// Rows in GGUF's RoPE order over `heads` heads, to be put in Hugging Face order.
    case permuted(heads: Int)
    case permutedVector(heads: Int)
}

/// Collects the first error thrown by parallel workers.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: Error?
    func record(_ error: Error) {
        lock.lock()
        if first == nil { first = error }
        lock.unlock()
    }
}
