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
        case .q: return (config.dim, config.dim)
        case .k, .v: return (config.dim, config.kvDim)
        case .o: return (config.dim, config.dim)
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

    /// PEFT's tensor key for layer `layer`, target, and "A" or "B".
    public static func peftKey(layer: Int, target: LoRATarget, matrix: String) -> String {
        "base_model.model.model.layers.\(layer).\(target.hfBlock).\(target.hfModuleName).lora_\(matrix).weight"
    }

    /// Reads a PEFT adapter folder: `adapter_config.json` (r, lora_alpha, target_modules, use_rslora)
    /// and `adapter_model.safetensors`.
    public static func loadPEFT(directory: URL) throws -> LoRAAdapter {
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        let config = try PEFTConfigFile.read(configURL)
        let file: SafeTensorsFile
        do {
            file = try SafeTensors.read(url: weightsURL)
        } catch {
            throw LlamaError.adapter(path: weightsURL.path, reason: "cannot read the adapter weights (\(error.localizedDescription)); save the adapter with PEFT's save_pretrained")
        }
        var layers: [[LoRATarget: LoRAWeights]] = []
        let names = Set(file.names)
        var layer = 0
        while names.contains(where: { $0.hasPrefix("base_model.model.model.layers.\(layer).") }) {
            var entry: [LoRATarget: LoRAWeights] = [:]
            for target in config.targets {
                let keyA = peftKey(layer: layer, target: target, matrix: "A")
                let keyB = peftKey(layer: layer, target: target, matrix: "B")
                guard names.contains(keyA), names.contains(keyB) else { continue }
                let shapeA = file.shape(keyA) ?? [], shapeB = file.shape(keyB) ?? []
                guard shapeA.count == 2, shapeB.count == 2, shapeA[0] == config.rank, shapeB[1] == config.rank else {
                    throw LlamaError.adapter(path: weightsURL.path, reason: "tensor \(keyA) has shape \(shapeA) and \(keyB) \(shapeB), expected [\(config.rank), in] and [out, \(config.rank)] for r = \(config.rank); fix r in adapter_config.json")
                }
                entry[target] = LoRAWeights(a: try file.floats(keyA), b: try file.floats(keyB),
                                            inFeatures: shapeA[1], outFeatures: shapeB[0])
            }
            layers.append(entry)
            layer += 1
        }
        guard !layers.isEmpty else {
            throw LlamaError.adapter(path: weightsURL.path, reason: "no tensor named base_model.model.model.layers.N.…lora_A.weight; this is not a PEFT LoRA adapter for a llama model")
        }
        return LoRAAdapter(config: config, layers: layers)
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

/// `adapter_config.json` fields Tollgate reads.
enum PEFTConfigFile {
    static func read(_ url: URL) throws -> LoRAConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LlamaError.adapter(path: url.path, reason: "cannot read the adapter config; a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LlamaError.adapter(path: url.path, reason: "is not a JSON object; write it with PEFT's save_pretrained")
        }
        if let type = object["peft_type"] as? String, type != "LORA" {
            throw LlamaError.adapter(path: url.path, reason: "peft_type is \(type); Tollgate reads LORA adapters only")
        }
        guard let rank = (object["r"] as? NSNumber)?.intValue, rank > 0, rank <= 4096 else {
            throw LlamaError.adapter(path: url.path, reason: "key r (the LoRA rank) is missing or not a positive integer")
        }
        let alpha = (object["lora_alpha"] as? NSNumber)?.floatValue ?? Float(rank)
        let useRS = (object["use_rslora"] as? Bool) ?? false
        var targets: [LoRATarget] = []
        if let modules = object["target_modules"] as? [String] {
            for module in modules {
                guard let target = LoRATarget(hfModuleName: module) else {
                    throw LlamaError.adapter(path: url.path, reason: "target module \(module) is not a llama projection (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")
                }
                targets.append(target)
            }
        } else {
            throw LlamaError.adapter(path: url.path, reason: "key target_modules must be a list of module names such as [\"q_proj\", \"v_proj\"]")
        }
        let ordered = LoRATarget.allCases.filter { targets.contains($0) }
        return LoRAConfig(rank: rank, alpha: alpha, useRSLoRA: useRS, targets: ordered)
    }
}
