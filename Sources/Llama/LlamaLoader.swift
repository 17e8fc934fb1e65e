import Foundation
import ModelIO
import TensorKit

extension LlamaConfig {
    /// Reads `llama.*` metadata; vocabulary size from the token list (or the embedding rows).
    public init(gguf file: GGUFFile) throws {
        let source = file.url.lastPathComponent
        let architecture = file.string("general.architecture") ?? "llama"
        guard architecture == "llama" else {
            throw LlamaError.unsupportedArchitecture(source: source, architecture: architecture)
        }
        func int(_ key: String) throws -> Int {
            guard let value = file.int("llama." + key) else { throw LlamaError.missingMetadata(source: source, key: "llama." + key) }
            return value
        }
        let dim = try int("embedding_length")
        let heads = try int("attention.head_count")
        guard let embedding = file.tensor(named: "token_embd.weight") else {
            throw LlamaError.missingTensor(source: source, name: "token_embd.weight")
        }
        var vocab = embedding.rowCount
        if case .array(let tokens)? = file.value("tokenizer.ggml.tokens") { vocab = tokens.count }
        self.init(vocabSize: vocab, dim: dim, hiddenDim: try int("feed_forward_length"),
                  layers: try int("block_count"), heads: heads,
                  kvHeads: file.int("llama.attention.head_count_kv") ?? heads,
                  ropeBase: Float(file.float("llama.rope.freq_base") ?? 10000),
                  rmsEps: Float(file.float("llama.attention.layer_norm_rms_epsilon") ?? 1e-5),
                  contextLength: file.int("llama.context_length") ?? 2048,
                  tiedEmbeddings: file.tensor(named: "output.weight") == nil)
        try validate(source: source)
        guard embedding.rowMajorShape == [vocab, dim] else {
            throw LlamaError.tensorShape(source: source, name: "token_embd.weight", expected: [vocab, dim], found: embedding.rowMajorShape)
        }
    }
}

extension LlamaModel {
    /// Loads a llama GGUF: every tensor dequantized in parallel, q/k rows un-permuted to Hugging
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
        switch precision {
        case .f32:
            let weights = try loader.load()
            // Training multiplies only the Float32 weights: the file need not stay mapped.
            let decode = use == .training ? DecodeWeights(float32: weights, config: config)
                : DecodeWeights(file: file, weights: weights, config: config)
            return LlamaModel(config: config, weights: weights, projections: .f32(decode), adapter: adapter)
        case .bf16, .int8:
            let weights = try loader.load(projections: false)
            guard let packs = try PackedWeights.pack(precision, config: config, output: weights.outputWeight,
                                                     inputGradients: use == .training, fill: loader.projection) else {
                throw LlamaError.unavailablePrecision(precision, reason: precision.unavailableReason ?? "not on this CPU")
            }
            return LlamaModel(config: config, weights: weights, projections: .packed(packs, precision), adapter: adapter)
        }
    }
}

/// Dequantizes every tensor of a llama GGUF into its own buffer, several tensors at a time.
struct LlamaWeightLoader: Sendable {
    let file: GGUFFile
    let config: LlamaConfig

    private struct Job {
        let name: String
        let shape: [Int]        // row-major (out, in), or (n) for norms
        let buffer: FloatBuffer
        let ropeHeads: Int?     // q/k: un-permute GGUF's RoPE row order over this many heads
    }

    /// Every tensor; without `projections`, the projections are left as empty buffers (count 0)
    /// for `projection(layer:target:into:)` to read one at a time.
    func load(projections: Bool = true) throws -> LlamaWeights {
        let c = config.dim, f = config.hiddenDim, kv = config.kvDim
        var jobs: [Job] = []
        func job(_ name: String, _ shape: [Int], ropeHeads: Int? = nil) -> FloatBuffer {
            let buffer = FloatBuffer(uninitializedCount: shape.reduce(1, *))  // every value is decoded into it
            jobs.append(Job(name: name, shape: shape, buffer: buffer, ropeHeads: ropeHeads))
            return buffer
        }
        func projection(_ name: String, _ shape: [Int], ropeHeads: Int? = nil) -> FloatBuffer {
            projections ? job(name, shape, ropeHeads: ropeHeads) : FloatBuffer(uninitializedCount: 0)
        }
        let embedding = job("token_embd.weight", [config.vocabSize, c])
        var layers: [LayerWeights] = []
        for l in 0..<config.layers {
            let p = "blk.\(l)."
            layers.append(LayerWeights(
                attnNorm: job(p + "attn_norm.weight", [c]),
                wq: projection(p + "attn_q.weight", [c, c], ropeHeads: config.heads),
                wk: projection(p + "attn_k.weight", [kv, c], ropeHeads: config.kvHeads),
                wv: projection(p + "attn_v.weight", [kv, c]),
                wo: projection(p + "attn_output.weight", [c, c]),
                ffnNorm: job(p + "ffn_norm.weight", [c]),
                wGate: projection(p + "ffn_gate.weight", [f, c]),
                wUp: projection(p + "ffn_up.weight", [f, c]),
                wDown: projection(p + "ffn_down.weight", [c, f])))
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
        let heads = target == .q ? config.heads : target == .k ? config.kvHeads : nil
        try dequantize("blk.\(layer).\(target.ggufName).weight", shape: [outFeatures, inFeatures], ropeHeads: heads, into: out)
    }

    private func run(_ job: Job) throws {
        try dequantize(job.name, shape: job.shape, ropeHeads: job.ropeHeads, into: job.buffer.pointer)
    }

    private func dequantize(_ name: String, shape: [Int], ropeHeads: Int?, into out: UnsafeMutablePointer<Float>) throws {
        let source = file.url.lastPathComponent
        guard let tensor = file.tensor(named: name) else {
            throw LlamaError.missingTensor(source: source, name: name)
        }
        let found = tensor.dimensions.count == 1 ? [tensor.dimensions[0]] : tensor.rowMajorShape
        guard found == shape else {
            throw LlamaError.tensorShape(source: source, name: name, expected: shape, found: found)
        }
        guard let heads = ropeHeads else {
            try file.dequantize(tensor, into: out)
            return
        }
        // Each GGUF row decoded straight into its Hugging Face row.
        let rows = shape[0], cols = shape[1]
        for hfRow in 0..<rows {
            let ggufRow = RoPEPermutation.ggufRow(forHFRow: hfRow, rows: rows, heads: heads)
            try file.dequantizeRows(tensor, ggufRow..<(ggufRow + 1), into: out + hfRow * cols)
        }
    }
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
