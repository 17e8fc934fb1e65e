import Foundation
import TensorKit

/// What a model family changes against the plain Llama block, as data the one forward pass and its
/// backward read: every family runs the same list of kernel calls, and a field here switches a
/// piece on or sets its constants. Sources: `model-families.md` in the project's research notes
/// (llama.cpp's `src/models/<arch>.cpp`, transformers' `modeling_<arch>.py`).
public struct ModelFamily: Sendable, Codable, Equatable {
    /// GGUF `general.architecture`: llama, smollm3, qwen2, qwen3, phi3 or gemma3.
    public var architecture: String
    /// The GGUF stores attn_q / attn_k rows permuted for llama.cpp's adjacent-pair RoPE
    /// (convert_hf_to_gguf's `permute`, llama and smollm3 only); the loader undoes it and every
    /// family rotates in Hugging Face's rotate-half pairing.
    public var permutedQK: Bool
    /// The MLP's gate activation: SiLU (SwiGLU) or GELU with the tanh approximation (Gemma).
    public var activation: GatedActivation
    /// Per-head RMSNorm on q and k before RoPE (`attn_q_norm`, `attn_k_norm`; Qwen3, Gemma 3).
    public var qkNorm: Bool
    /// RMSNorm on the attention and MLP outputs before their residual add (Gemma 3's
    /// `post_attention_norm`, `post_ffw_norm`).
    public var postNorms: Bool
    /// The token embedding is multiplied by this (Gemma: √C); 1 for the others.
    public var embeddingScale: Float
    /// The rotary tables the layers use; `LayerAttention.rope` indexes into it.
    public var rope: [RoPESettings]
    /// One entry per layer: its rotary table (nil: no RoPE, SmolLM3's NoPE layers) and window.
    public var layers: [LayerAttention]

    public init(architecture: String, permutedQK: Bool, activation: GatedActivation, qkNorm: Bool, postNorms: Bool,
                embeddingScale: Float, rope: [RoPESettings], layers: [LayerAttention]) {
        self.architecture = architecture
        self.permutedQK = permutedQK
        self.activation = activation
        self.qkNorm = qkNorm
        self.postNorms = postNorms
        self.embeddingScale = embeddingScale
        self.rope = rope
        self.layers = layers
    }

    /// The plain Llama block (SmolLM2, Llama 2, Llama 3 without `rope_freqs`): every layer rotates
    /// all of each head with `base`, attends to every earlier position.
    public static func llama(layers: Int, headDim: Int, ropeBase: Float) -> ModelFamily {
        ModelFamily(architecture: "llama", permutedQK: true, activation: .silu, qkNorm: false, postNorms: false,
                    embeddingScale: 1, rope: [RoPESettings(base: ropeBase, dimensions: headDim)],
                    layers: Array(repeating: LayerAttention(rope: 0, window: nil), count: layers))
    }

    /// Whether the family's Hugging Face modules and llama.cpp tensors join q, k, v (`qkv_proj`,
    /// `attn_qkv`) and gate, up (`gate_up_proj`, `ffn_up`): Phi-3's.
    public var fusesProjections: Bool { architecture == "phi3" }

    /// The architectures Tollgate runs, as GGUF names them.
    public static let supportedArchitectures = ["llama", "smollm3", "qwen2", "qwen3", "phi3", "gemma3"]
}

/// The gated MLP's activation: down(act(gate) ⊙ up).
public enum GatedActivation: String, Sendable, Codable {
    case silu
    /// GELU, tanh approximation (`gelu_pytorch_tanh`).
    case geluTanh
}

/// How one layer attends.
public struct LayerAttention: Sendable, Codable, Equatable {
    /// Index into `ModelFamily.rope`; nil for a layer without positions (NoPE).
    public var rope: Int?
    /// Sliding window: a query at position p sees keys p − window + 1 … p (llama.cpp's
    /// `is_masked_swa`: masked when p − key ≥ window); nil for global attention.
    public var window: Int?

    public init(rope: Int?, window: Int?) {
        self.rope = rope
        self.window = window
    }
}

/// One rotary table: the first `dimensions` of each head rotate in rotate-half pairs (i, i + d/2)
/// by position · θᵢ, θᵢ = base^(−2i/d) / factors[i] (Llama 3's `rope_freqs`, LongRoPE's
/// short factors) / linearScale; cos and sin are multiplied by `attentionFactor` (LongRoPE's mscale).
public struct RoPESettings: Sendable, Codable, Equatable {
    public var base: Float
    /// Rotated dimensions of each head (partial rotary: fewer than the head's).
    public var dimensions: Int
    /// Divisors of each frequency, `dimensions / 2` of them; nil: none.
    public var factors: [Float]?
    /// Linear position scaling (`rope.scaling.type = linear`): frequencies divided by it.
    public var linearScale: Float
    public var attentionFactor: Float
    /// LongRoPE (Phi-3): `factors` are the short ones; a forward call any of whose positions reaches
    /// `originalContextLength` uses these instead, as transformers chooses by sequence length.
    public var longFactors: [Float]?
    public var originalContextLength: Int?

    public init(base: Float, dimensions: Int, factors: [Float]? = nil, linearScale: Float = 1, attentionFactor: Float = 1) {
        self.base = base
        self.dimensions = dimensions
        self.factors = factors
        self.linearScale = linearScale
        self.attentionFactor = attentionFactor
    }

    /// θᵢ as transformers computes them in float32: inv_freq = 1 / base^(2i/d), then divided by the
    /// factor and the linear scale. `long`: with LongRoPE's long factors.
    public func inverseFrequencies(long: Bool = false) -> [Float] {
        let divisors = long ? (longFactors ?? factors) : factors
        return RoPE.inverseFrequencies(headDim: dimensions, base: base).enumerated().map { i, plain in
            var frequency = plain
            if let divisors { frequency /= divisors[i] }
            if linearScale != 1 { frequency /= linearScale }
            return frequency
        }
    }

    /// Whether a call reaching position `lastPosition` uses the long factors.
    public func usesLongFactors(lastPosition: Int) -> Bool {
        guard longFactors != nil, let originalContextLength else { return false }
        return lastPosition + 1 > originalContextLength
    }
}

extension LlamaConfig {
    /// What the family changes against the plain Llama block, one phrase each, for `inspect`
    /// (e.g. "head width 256", "sliding window 512 on 15 of 18 layers").
    public var familyFeatures: [String] {
        var features: [String] = []
        if headDim != dim / heads { features.append("head width \(headDim)") }
        if family.activation == .geluTanh { features.append("GELU-tanh MLP") }
        if family.qkNorm { features.append("q/k norms") }
        if family.postNorms { features.append("post-norms") }
        if family.embeddingScale != 1 { features.append("embeddings ×\(family.embeddingScale)") }
        if family.fusesProjections { features.append("fused qkv and gate-up") }
        let windows = family.layers.compactMap(\.window)
        if let window = windows.first { features.append("sliding window \(window) on \(windows.count) of \(layers) layers") }
        let nope = family.layers.filter { $0.rope == nil }.count
        if nope > 0 { features.append("no RoPE on \(nope) of \(layers) layers") }
        for table in family.rope {
            var rope = "RoPE base \(table.base)"
            if table.dimensions != headDim { rope += ", \(table.dimensions) of \(headDim) dims" }
            if table.longFactors != nil { rope += ", LongRoPE" } else if table.factors != nil { rope += ", frequency factors" }
            if table.linearScale != 1 { rope += ", linear ×\(table.linearScale)" }
            features.append(rope)
        }
        features.append(family.permutedQK ? "q/k rows permuted in the GGUF" : "q/k rows in HF order")
        return features
    }
}
