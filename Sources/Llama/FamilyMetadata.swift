import Foundation
import ModelIO

extension LlamaConfig {
    /// Reads `<arch>.*` metadata of any supported family (`ModelFamily.supportedArchitectures`) into
    /// dimensions and a family description; vocabulary size from the token list (or the embedding rows).
    /// Errors name the file and the key; an unsupported architecture names the supported ones.
    public init(gguf file: GGUFFile) throws {
        let source = file.url.lastPathComponent
        let architecture = file.string("general.architecture") ?? "llama"
        guard ModelFamily.supportedArchitectures.contains(architecture) else {
            throw LlamaError.unsupportedArchitecture(source: source, architecture: architecture)
        }
        let keys = FamilyKeys(file: file, architecture: architecture)
        let dim = try keys.int("embedding_length")
        let heads = try keys.int("attention.head_count")
        let layers = try keys.int("block_count")
        guard let embedding = file.tensor(named: "token_embd.weight") else {
            throw LlamaError.missingTensor(source: source, name: "token_embd.weight")
        }
        var vocab = embedding.rowCount
        if case .array(let tokens)? = file.value("tokenizer.ggml.tokens") { vocab = tokens.count }
        guard heads > 0, layers > 0, layers < 1 << 16 else {
            throw LlamaError.invalidConfig(source: source, reason: "\(layers) layers of \(heads) heads")
        }
        let headDim = try keys.optionalInt("attention.key_length") ?? dim / heads
        if let valueWidth = try keys.optionalInt("attention.value_length"), valueWidth != headDim {
            throw LlamaError.invalidConfig(source: source, reason: "value heads of \(valueWidth) differ from key heads of \(headDim), which Tollgate does not run")
        }
        let ropeBase = Float(try keys.optionalFloat("rope.freq_base") ?? 10000)
        let family = try ModelFamily(keys: keys, dim: dim, layers: layers, headDim: headDim, ropeBase: ropeBase)
        self.init(vocabSize: vocab, dim: dim, hiddenDim: try keys.int("feed_forward_length"), layers: layers,
                  heads: heads, kvHeads: try keys.optionalInt("attention.head_count_kv") ?? heads, ropeBase: ropeBase,
                  rmsEps: Float(try keys.optionalFloat("attention.layer_norm_rms_epsilon") ?? 1e-5),
                  contextLength: try keys.optionalInt("context_length") ?? 2048,
                  tiedEmbeddings: file.tensor(named: "output.weight") == nil, headDim: headDim, family: family)
        try validate(source: source)
        guard embedding.rowMajorShape == [vocab, dim] else {
            throw LlamaError.tensorShape(source: source, name: "token_embd.weight", expected: [vocab, dim], found: embedding.rowMajorShape)
        }
    }
}

/// `<arch>.`-prefixed metadata of one file, read with the file's name in every error.
struct FamilyKeys {
    let file: GGUFFile
    let architecture: String
    var source: String { file.url.lastPathComponent }

    func int(_ key: String) throws -> Int {
        guard let value = try optionalInt(key) else { throw LlamaError.missingMetadata(source: source, key: architecture + "." + key) }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = file.value(architecture + "." + key) else { return nil }
        guard let int = value.int, int >= 0 else { throw wrongType(key, "a non-negative integer") }
        return int
    }

    func optionalFloat(_ key: String) throws -> Double? {
        guard let value = file.value(architecture + "." + key) else { return nil }
        guard let float = value.float ?? value.int.map(Double.init), float.isFinite else { throw wrongType(key, "a number") }
        return float
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = file.value(architecture + "." + key) else { return nil }
        guard let string = value.string else { throw wrongType(key, "a string") }
        return string
    }

    func has(_ key: String) -> Bool { file.value(architecture + "." + key) != nil }

    /// A Float32 vector tensor of `count` values (rotary factors), or nil when absent.
    func factors(_ name: String, count: Int) throws -> [Float]? {
        guard let tensor = file.tensor(named: name) else { return nil }
        guard tensor.dimensions == [count] else {
            throw LlamaError.tensorShape(source: source, name: name, expected: [count], found: tensor.dimensions)
        }
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBufferPointer { try file.dequantize(tensor, into: $0.baseAddress!) }
        return values
    }

    func wrongType(_ key: String, _ expected: String) -> LlamaError {
        .invalidConfig(source: source, reason: "metadata key \(architecture).\(key) must be \(expected)")
    }
}

extension ModelFamily {
    /// Each family's pieces, from its metadata and tensors (research notes §2–§7).
    init(keys: FamilyKeys, dim: Int, layers: Int, headDim: Int, ropeBase: Float) throws {
        let architecture = keys.architecture, source = keys.source
        let rotated = try keys.optionalInt("rope.dimension_count") ?? headDim
        var global = RoPESettings(base: ropeBase, dimensions: rotated)
        guard rotated > 0, rotated % 2 == 0, rotated <= headDim else {
            throw LlamaError.invalidConfig(source: source, reason: "rotary dimensions \(rotated) must be even and at most the head width \(headDim)")
        }
        // LongRoPE (Phi-3) is known by its factor tensors: Phi3's converter writes no scaling type.
        let longRoPE = keys.file.tensor(named: "rope_factors_short.weight") != nil
        switch try keys.optionalString("rope.scaling.type") ?? (longRoPE ? "longrope" : "none") {
        case "none": break
        case "linear":
            global.linearScale = Float(try keys.optionalFloat("rope.scaling.factor") ?? 1)
        case "longrope":
            // Short factors while positions stay within the original context (transformers'
            // dynamic choice; see `RoPESettings.longFactors`), long ones past it.
            global.factors = try keys.factors("rope_factors_short.weight", count: rotated / 2)
            global.longFactors = try keys.factors("rope_factors_long.weight", count: rotated / 2)
            global.originalContextLength = try keys.optionalInt("rope.scaling.original_context_length")
            global.attentionFactor = Float(try keys.optionalFloat("rope.scaling.attn_factor") ?? 1)
        case let other:
            throw LlamaError.invalidConfig(source: source, reason: "RoPE scaling \(other) is not supported (none, linear and longrope are)")
        }
        // Llama 3's frequency divisors travel as a tensor, not a scaling type.
        if let divisors = try keys.factors("rope_freqs.weight", count: rotated / 2) { global.factors = divisors }
        if try keys.optionalFloat("final_logit_softcapping") != nil || keys.has("attn_logit_softcapping") {
            throw LlamaError.invalidConfig(source: source, reason: "logit soft-capping (Gemma 2) is not supported")
        }
        let plain = LayerAttention(rope: 0, window: nil)
        switch architecture {
        case "llama":
            self.init(architecture: architecture, permutedQK: true, activation: .silu, qkNorm: false, postNorms: false,
                      embeddingScale: 1, rope: [global], layers: Array(repeating: plain, count: layers))
        case "smollm3":
            // NoPE every fourth layer (3, 7, …): llama.cpp hard-codes the step, no key carries it.
            self.init(architecture: architecture, permutedQK: true, activation: .silu, qkNorm: false, postNorms: false,
                      embeddingScale: 1, rope: [global],
                      layers: (0..<layers).map { LayerAttention(rope: ($0 + 1) % 4 == 0 ? nil : 0, window: nil) })
        case "qwen2", "qwen3", "phi3":
            // Phi-3's sliding window (262,144 in Phi-3.5) is disabled in llama.cpp and beyond any context here.
            self.init(architecture: architecture, permutedQK: false, activation: .silu, qkNorm: architecture == "qwen3",
                      postNorms: false, embeddingScale: 1, rope: [global], layers: Array(repeating: plain, count: layers))
        case "gemma3":
            let window = try keys.optionalInt("attention.sliding_window") ?? 0
            // Sliding layers rotate with their own base and no scaling.
            let local = RoPESettings(base: Float(try keys.optionalFloat("rope.freq_base_swa") ?? 10000), dimensions: rotated)
            let sliding = try Self.slidingLayers(keys: keys, layers: layers, enabled: window > 0)
            self.init(architecture: architecture, permutedQK: false, activation: .geluTanh, qkNorm: true, postNorms: true,
                      embeddingScale: Float(dim).squareRoot(),
                      rope: [global, local],
                      layers: sliding.map { $0 ? LayerAttention(rope: 1, window: window) : plain })
        default:
            throw LlamaError.unsupportedArchitecture(source: source, architecture: architecture)
        }
    }

    /// Gemma 3's sliding layers: `attention.sliding_window_pattern` as one flag per layer or a period
    /// n (layer l slides unless l % n == n − 1), else the period 6 (llama.cpp's default).
    static func slidingLayers(keys: FamilyKeys, layers: Int, enabled: Bool) throws -> [Bool] {
        guard enabled else { return Array(repeating: false, count: layers) }
        let key = "attention.sliding_window_pattern"
        var period = 6
        if let value = keys.file.value(keys.architecture + "." + key) {
            if let flags = value.array {
                let bools = flags.compactMap(\.bool)
                guard bools.count == layers, flags.count == layers else { throw keys.wrongType(key, "\(layers) booleans or a period") }
                return bools
            }
            guard let n = value.int, n > 0 else { throw keys.wrongType(key, "\(layers) booleans or a period") }
            period = n
        }
        return (0..<layers).map { $0 % period < period - 1 }
    }
}
