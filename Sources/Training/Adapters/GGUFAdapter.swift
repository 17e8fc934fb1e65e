import Foundation
import Llama
import ModelIO

/// llama.cpp's LoRA adapter GGUF (as convert_lora_to_gguf.py writes it): `general.type = adapter`,
/// `adapter.type = lora`, `adapter.lora.alpha`, tensors `blk.N.<proj>.weight.lora_a` with ggml
/// dimensions [in, R] (PEFT's A (R, in) row-major) and `.lora_b` with [R, out] (B (out, R)); q/k B
/// rows in GGUF's RoPE order.
public enum GGUFAdapter {
    public static func save(_ parameters: LoRAParameters, shape: LlamaConfig, to url: URL, baseModel: String) throws {
        var writer = GGUFWriter()
        // llama.cpp loads an adapter only onto a model of the same architecture.
        writer.set("general.architecture", .string(shape.family.architecture))
        writer.set("general.type", .string("adapter"))
        writer.set("general.name", .string(url.deletingPathExtension().lastPathComponent))
        writer.set("general.base_model.name", .string(baseModel))
        writer.set("adapter.type", .string("lora"))
        writer.set("adapter.lora.alpha", .float32(effectiveAlpha(parameters.settings)))
        let r = parameters.settings.rank
        for module in parameters.modules {
            let b = parameters.b(module) { slot, b in
                ropeHeads(slot.projection, shape).map { RoPEPermutation.hfToGGUF(b, rows: slot.output, cols: r, heads: $0) } ?? b
            }
            try writer.addTensor(name: module.ggufKey(isA: true), dimensions: [module.input, r], values: parameters.a(module), type: .f32)
            try writer.addTensor(name: module.ggufKey(isA: false), dimensions: [r, module.output], values: b, type: .f32)
        }
        try writer.write(to: url)
    }

    public static func load(url: URL, shape: LlamaConfig) throws -> LoRAParameters {
        let file = try GGUFFile(url: url)
        guard file.string("general.type") == "adapter", file.string("adapter.type") == "lora" else {
            throw TrainingError.badAdapterConfig(file: url.path, reason: "is not a llama.cpp LoRA adapter (general.type must be adapter and adapter.type lora)")
        }
        // the stems adapted in layer 0 (blk.0.<stem>.weight.lora_a), each standing for its projections
        var targets: [LoRAProjection] = []
        var rank = 0
        for tensor in file.tensors where tensor.name.hasPrefix("blk.0.") && tensor.name.hasSuffix(".weight.lora_a") {
            let stem = String(tensor.name.dropFirst("blk.0.".count).dropLast(".weight.lora_a".count))
            guard let members = LoRAProjection.members(ofGGUFName: stem, family: shape.family) else {
                throw TrainingError.badAdapterConfig(file: url.path, reason: "adapts \(stem), which the \(shape.family.architecture) model does not have")
            }
            targets += members
            rank = tensor.dimensions.count == 2 ? tensor.dimensions[1] : 0
        }
        guard !targets.isEmpty, rank > 0 else {
            throw TrainingError.badAdapterConfig(file: url.path, reason: "has no blk.0.*.weight.lora_a tensor")
        }
        // llama.cpp scales by alpha/R; rsLoRA adapters are written with the equivalent alpha.
        let alpha = Float(file.float("adapter.lora.alpha") ?? Double(rank))
        var parameters = LoRAParameters(shape: shape, settings: LoRASettings(rank: rank, alpha: alpha, targets: targets))
        for module in parameters.modules {
            guard let a = file.tensor(named: module.ggufKey(isA: true)), let b = file.tensor(named: module.ggufKey(isA: false)) else {
                throw TrainingError.missingAdapterTensor(key: "blk.\(module.layer).\(module.ggufName).weight.lora_a/.lora_b", file: url.path)
            }
            guard a.dimensions == [module.input, rank] else {
                throw TrainingError.adapterShape(key: a.name, expected: [module.input, rank], found: a.dimensions)
            }
            guard b.dimensions == [rank, module.output] else {
                throw TrainingError.adapterShape(key: b.name, expected: [rank, module.output], found: b.dimensions)
            }
            parameters.setA(module, try file.dequantize(a))
            parameters.setB(module, try file.dequantize(b)) { slot, b in
                ropeHeads(slot.projection, shape).map { RoPEPermutation.ggufToHF(b, rows: slot.output, cols: rank, heads: $0) } ?? b
            }
        }
        return parameters
    }

    /// llama.cpp always scales by alpha/R, so an rsLoRA adapter is written with alpha·√R.
    static func effectiveAlpha(_ settings: LoRASettings) -> Float { settings.scale * Float(settings.rank) }

    /// Heads whose rows RoPE pairs, for q and k of a family whose GGUFs permute them (llama,
    /// smollm3); nil when the shape has no real head layout or the family keeps HF's row order.
    static func ropeHeads(_ projection: LoRAProjection, _ shape: LlamaConfig) -> Int? {
        guard shape.headDim >= 2, shape.family.permutedQK else { return nil }
        switch projection {
        case .q: return shape.heads
        case .k: return shape.kvHeads
        default: return nil
        }
    }
}
