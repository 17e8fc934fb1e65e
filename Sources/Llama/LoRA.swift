import Foundation
import ModelIO

/// A projection LoRA can adapt. Raw values are Tollgate's short names (`--targets q,v`).
public enum LoRATarget: String, CaseIterable, Codable, Sendable {
    case q, k, v, o, gate, up, down

    /// Module name in Hugging Face / PEFT keys (`q_proj`, `gate_proj`, …).
    public var hfModuleName: String { rawValue + "_proj" }

    /// Block of the module in HF keys: `self_attn` or `mlp`.
    public var hfBlock: String {
        switch self {
        case .q, .k, .v, .o: return "self_attn"
        case .gate, .up, .down: return "mlp"
        }
    }

    /// Tensor name stem in GGUF (`attn_q`, `ffn_gate`, …).
    public var ggufName: String {
        switch self {
        case .q: return "attn_q"
        case .k: return "attn_k"
        case .v: return "attn_v"
        case .o: return "attn_output"
        case .gate: return "ffn_gate"
        case .up: return "ffn_up"
        case .down: return "ffn_down"
        }
    }

    public init?(hfModuleName: String) {
        guard let target = LoRATarget.allCases.first(where: { $0.hfModuleName == hfModuleName }) else { return nil }
        self = target
    }

    /// (in, out) features of this projection in a model of the given shape.
    public func features(_ config: LlamaConfig) -> (inFeatures: Int, outFeatures: Int) {
        switch self {
        case .q: return (config.dim, config.qDim)
        case .k, .v: return (config.dim, config.kvDim)
        case .o: return (config.qDim, config.dim)
        case .gate, .up: return (config.dim, config.hiddenDim)
        case .down: return (config.hiddenDim, config.dim)
        }
    }
}

/// LoRA hyper-parameters as PEFT's `adapter_config.json` records them.
public struct LoRAConfig: Codable, Sendable, Equatable {
    /// Rank r of A (r, in) and B (out, r).
    public var rank: Int
    /// Scale numerator: the update is (alpha / r) · B·A, or (alpha / √r) · B·A with rsLoRA.
    public var alpha: Float
    /// rsLoRA scaling alpha / √r.
    public var useRSLoRA: Bool
    /// Projections that carry an adapter.
    public var targets: [LoRATarget]

    public init(rank: Int = 8, alpha: Float = 16, useRSLoRA: Bool = false, targets: [LoRATarget] = [.q, .v]) {
        self.rank = rank
        self.alpha = alpha
        self.useRSLoRA = useRSLoRA
        self.targets = targets
    }

    public var scale: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }
}

/// One adapted projection: ΔW = scale · B · A.
public struct LoRAWeights: Sendable {
    /// (r, in) row-major.
    public var a: [Float]
    /// (out, r) row-major.
    public var b: [Float]
    public let inFeatures: Int
    public let outFeatures: Int

    public init(a: [Float], b: [Float], inFeatures: Int, outFeatures: Int) {
        precondition(inFeatures > 0 && a.count % inFeatures == 0 && b.count == outFeatures * (a.count / inFeatures),
                     "LoRA A \(a.count) / B \(b.count) floats do not fit in \(inFeatures) → \(outFeatures)")
        self.a = a
        self.b = b
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    public var rank: Int { a.count / inFeatures }
}

/// A LoRA adapter for every layer of a model; q/k rows in HF order (as PEFT stores them), matching
/// the forward pass, which un-permutes GGUF's q/k rows at load.
public struct LoRAAdapter: Sendable {
    public var config: LoRAConfig
    /// layers[l][target]; a target missing from a layer is not adapted there.
    public var layers: [[LoRATarget: LoRAWeights]]

    public init(config: LoRAConfig, layers: [[LoRATarget: LoRAWeights]]) {
        self.config = config
        self.layers = layers
    }

    /// Checks that every adapted projection fits the model; throws naming the first that does not.
    public func validate(for model: LlamaConfig, source: String) throws {
        guard layers.count == model.layers else {
            throw LlamaError.adapter(path: source, reason: "adapter has \(layers.count) layers but the model has \(model.layers); use an adapter trained for this model")
        }
        for (index, layer) in layers.enumerated() {
            for (target, weights) in layer {
                let expected = target.features(model)
                guard weights.inFeatures == expected.inFeatures, weights.outFeatures == expected.outFeatures else {
                    throw LlamaError.adapter(path: source, reason: "layer \(index) \(target.hfModuleName) maps \(weights.inFeatures) → \(weights.outFeatures) but the model's projection maps \(expected.inFeatures) → \(expected.outFeatures); use an adapter trained for this model")
                }
            }
        }
    }
}
