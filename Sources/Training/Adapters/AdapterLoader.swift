import Foundation
import Llama
import ModelIO

/// Reads an adapter in either format: a directory is PEFT, a `.gguf` file is llama.cpp's.
public enum AdapterLoader {
    /// The adapter as the trainer's flat parameters, laid out for `shape`.
    public static func loadParameters(path: String, shape: LlamaConfig) throws -> LoRAParameters {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TrainingError.io(path: path, reason: "no such adapter; pass a PEFT adapter directory or a llama.cpp LoRA .gguf")
        }
        if isDirectory.boolValue { return try PEFTAdapter.load(directory: URL(fileURLWithPath: path), shape: shape) }
        return try GGUFAdapter.load(url: URL(fileURLWithPath: path), shape: shape)
    }

    /// The adapter as the inference engine's `LoRAAdapter` (HF row order for q/k), for `--adapter`
    /// in generate and eval. The model's GGUF gives the dimensions.
    public static func load(path: String, model: URL) throws -> LoRAAdapter {
        let shape = try LlamaConfig(gguf: try GGUFFile(url: model))
        return try loadParameters(path: path, shape: shape).inferenceAdapter(layers: shape.layers)
    }
}

extension LoRAParameters {
    /// The same adapter as Llama's `LoRAAdapter`.
    public func inferenceAdapter(layers: Int) -> LoRAAdapter {
        let targets = settings.targets.compactMap { LoRATarget(rawValue: $0.rawValue) }
        let config = LoRAConfig(rank: settings.rank, alpha: settings.alpha, useRSLoRA: settings.useRSLoRA, targets: targets)
        var perLayer = [[LoRATarget: LoRAWeights]](repeating: [:], count: layers)
        for slot in slots {
            guard let target = LoRATarget(rawValue: slot.projection.rawValue) else { continue }
            perLayer[slot.layer][target] = LoRAWeights(a: a(slot), b: b(slot), inFeatures: slot.input, outFeatures: slot.output)
        }
        return LoRAAdapter(config: config, layers: perLayer)
    }
}
