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
        for slot in parameters.slots {
            let name = "blk.\(slot.layer).\(slot.projection.ggufName).weight"
            var b = parameters.b(slot)
            if let heads = ropeHeads(slot.projection, shape) {
                b = RoPEPermutation.hfToGGUF(b, rows: slot.output, cols: r, heads: heads)
            }
            try writer.addTensor(name: name + ".lora_a", dimensions: [slot.input, r], values: parameters.a(slot), type: .f32)
            try writer.addTensor(name: name + ".lora_b", dimensions: [r, slot.output], values: b, type: .f32)
        }
        try writer.write(to: url)
    }

    public static func load(url: URL, shape: LlamaConfig) throws -> LoRAParameters {
        let file = try GGUFFile(url: url)
        guard file.string("general.type") == "adapter", file.string("adapter.type") == "lora" else {
            throw TrainingError.badAdapterConfig(file: url.path, reason: "is not a llama.cpp LoRA adapter (general.type must be adapter and adapter.type lora)")
        }
        var targets: [LoRAProjection] = []
        var rank = 0
        for projection in LoRAProjection.allCases {
            if let a = file.tensor(named: "blk.0.\(projection.ggufName).weight.lora_a") {
                targets.append(projection)
                rank = a.dimensions.count == 2 ? a.dimensions[1] : 0
            }
        }
        guard !targets.isEmpty, rank > 0 else {
            throw TrainingError.badAdapterConfig(file: url.path, reason: "has no blk.0.*.weight.lora_a tensor")
        }
        // llama.cpp scales by alpha/R; rsLoRA adapters are written with the equivalent alpha.
        let alpha = Float(file.float("adapter.lora.alpha") ?? Double(rank))
        var parameters = LoRAParameters(shape: shape, settings: LoRASettings(rank: rank, alpha: alpha, targets: targets))
        for slot in parameters.slots {
            let name = "blk.\(slot.layer).\(slot.projection.ggufName).weight"
            guard let a = file.tensor(named: name + ".lora_a"), let b = file.tensor(named: name + ".lora_b") else {
                throw TrainingError.missingAdapterTensor(key: name + ".lora_a/.lora_b", file: url.path)
            }
            guard a.dimensions == [slot.input, rank] else {
                throw TrainingError.adapterShape(key: a.name, expected: [slot.input, rank], found: a.dimensions)
            }
            guard b.dimensions == [rank, slot.output] else {
                throw TrainingError.adapterShape(key: b.name, expected: [rank, slot.output], found: b.dimensions)
            }
            parameters.setA(slot, try file.dequantize(a))
            var bValues = try file.dequantize(b)
            if let heads = ropeHeads(slot.projection, shape) {
                bValues = RoPEPermutation.ggufToHF(bValues, rows: slot.output, cols: rank, heads: heads)
            }
            parameters.setB(slot, bValues)
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
