import Foundation
import Llama
import ModelIO

/// PEFT's on-disk adapter layout: `adapter_config.json` + `adapter_model.safetensors`, A (R, in),
/// B (out, R), q/k rows in HF order.
public enum PEFTAdapter {
    public static let configName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"

    /// Reads a PEFT adapter directory into parameters laid out for `shape`.
    public static func load(directory: URL, shape: LlamaConfig) throws -> LoRAParameters {
        let configURL = directory.appendingPathComponent(configName)
        let file = configURL.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TrainingError.io(path: file, reason: "cannot read the adapter config; pass a PEFT adapter directory")
        }
        guard let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.badAdapterConfig(file: file, reason: "is not a JSON object")
        }
        if let type = config["peft_type"] as? String, type != "LORA" {
            throw TrainingError.badAdapterConfig(file: file, reason: "peft_type is \(type); Tollgate reads LORA adapters only")
        }
        guard let rank = (config["r"] as? NSNumber)?.intValue, rank > 0, rank <= 4096 else {
            throw TrainingError.badAdapterConfig(file: file, reason: "field r (the rank) is missing or not a positive integer")
        }
        let alpha = (config["lora_alpha"] as? NSNumber)?.floatValue ?? Float(rank)
        let modules: [String]
        if let list = config["target_modules"] as? [String] {
            modules = list
        } else if let single = config["target_modules"] as? String {
            modules = [single]
        } else {
            throw TrainingError.badAdapterConfig(file: file, reason: "field target_modules is missing")
        }
        var targets: [LoRAProjection] = []
        for module in modules {
            guard let members = LoRAProjection.members(ofModule: module, family: shape.family) else {
                let names = LoRAProjection.allCases.compactMap { p in shape.family.fusedProjection(containing: p) == nil ? p.hfModuleName : nil }
                    + shape.family.fusedProjections.map(\.hfModuleName)
                throw TrainingError.badAdapterConfig(file: file, reason: "target module \(module) is not one of \(names.joined(separator: ", ")) (the \(shape.family.architecture) model's projections)")
            }
            targets += members
        }
        let settings = LoRASettings(rank: rank, alpha: alpha, useRSLoRA: (config["use_rslora"] as? Bool) ?? false,
                                    targets: targets, dropout: (config["lora_dropout"] as? NSNumber)?.floatValue ?? 0)
        var parameters = LoRAParameters(shape: shape, settings: settings)
        let weightsURL = directory.appendingPathComponent(weightsName)
        let tensors = try SafeTensors.read(url: weightsURL)
        for module in parameters.modules {
            for isA in [true, false] {
                let key = module.peftKey(isA: isA)
                guard let found = tensors.shape(key) else {
                    throw TrainingError.missingAdapterTensor(key: key, file: weightsURL.path)
                }
                let expected = isA ? [rank, module.input] : [module.output, rank]
                guard found == expected else { throw TrainingError.adapterShape(key: key, expected: expected, found: found) }
                let values = try tensors.floats(key)
                if isA { parameters.setA(module, values) } else { parameters.setB(module, values) }
            }
        }
        return parameters
    }

    /// Writes a PEFT adapter directory (created if needed); each file is written atomically.
    public static func save(_ parameters: LoRAParameters, to directory: URL, baseModel: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let settings = parameters.settings
        var tensors: [(name: String, shape: [Int], values: [Float], dtype: SafeTensorsDType)] = []
        for module in parameters.modules {
            tensors.append((module.peftKey(isA: true), [settings.rank, module.input], parameters.a(module), .f32))
            tensors.append((module.peftKey(isA: false), [module.output, settings.rank], parameters.b(module), .f32))
        }
        try SafeTensors.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(weightsName))
        let config: [String: Any] = [
            "r": settings.rank,
            "lora_alpha": settings.alpha.rounded() == settings.alpha ? Int(settings.alpha) as Any : Double(settings.alpha) as Any,
            "target_modules": parameters.moduleNames,
            "use_rslora": settings.useRSLoRA,
            "lora_dropout": Double(settings.dropout),
            "peft_type": "LORA",
            "task_type": "CAUSAL_LM",
            "bias": "none",
            "base_model_name_or_path": baseModel,
            "fan_in_fan_out": false,
            "inference_mode": true,
            "init_lora_weights": true,
            "use_dora": false,
            "modules_to_save": NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(json, to: directory.appendingPathComponent(configName))
    }
}

/// temp + fsync + rename, through ModelIO's writer.
func writeAtomically(_ data: Data, to url: URL) throws {
    let writer = try AtomicFileWriter(url: url)
    try data.withUnsafeBytes { try writer.write($0) }
    try writer.commit()
}
