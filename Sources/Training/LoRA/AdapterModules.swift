import Foundation
import Llama

/// One adapted module as PEFT and llama.cpp store it: a single projection (`q_proj`, `attn_q`), or a
/// fused one (Phi-3's `qkv_proj`, `attn_qkv`) whose members share A (R, in) and stack their Bs by
/// rows into one B (Σ out, R), the order of the fused weight's rows.
public struct AdapterModule: Sendable, Equatable {
    public let layer: Int
    /// The member slots in row order; one for an unfused projection.
    public let slots: [LoRASlot]
    /// PEFT's path below `model.layers.N.`, e.g. "self_attn.q_proj" or "self_attn.qkv_proj".
    public let hfPath: String
    /// llama.cpp's tensor stem, e.g. "attn_q" or "attn_qkv".
    public let ggufName: String

    public var input: Int { slots[0].input }
    public var output: Int { slots.reduce(0) { $0 + $1.output } }

    /// PEFT's safetensors key of A or B, e.g. base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight.
    public func peftKey(isA: Bool) -> String {
        "base_model.model.model.layers.\(layer).\(hfPath).lora_\(isA ? "A" : "B").weight"
    }

    /// llama.cpp's tensor name of A or B, e.g. blk.0.attn_qkv.weight.lora_a.
    public func ggufKey(isA: Bool) -> String { "blk.\(layer).\(ggufName).weight.lora_\(isA ? "a" : "b")" }
}

extension LoRAParameters {
    /// The adapted modules, layer by layer, with each fused module's members gathered at its first.
    public var modules: [AdapterModule] {
        slots.compactMap { slot in
            guard let fused = fusedModules.first(where: { $0.members.contains(slot.projection) }) else {
                return AdapterModule(layer: slot.layer, slots: [slot], hfPath: slot.projection.hfPath,
                                     ggufName: slot.projection.ggufName)
            }
            guard fused.leader == slot.projection else { return nil }
            let members = fused.members.compactMap { self.slot(layer: slot.layer, projection: $0) }
            return AdapterModule(layer: slot.layer, slots: members, hfPath: fused.hfPath, ggufName: fused.ggufName)
        }
    }

    /// PEFT's `target_modules`: the modules' names in q, k, v, o, gate, up, down order, once each.
    public var moduleNames: [String] {
        var names: [String] = []
        for module in modules {
            let name = String(module.hfPath.split(separator: ".").last!)
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// A (R, in) of a module: its members' shared one.
    public func a(_ module: AdapterModule) -> [Float] { a(module.slots[0]) }

    /// B (Σ out, R) of a module: its members' Bs stacked, each passed through `rows` first (GGUF's
    /// RoPE order for q and k where the family permutes them).
    public func b(_ module: AdapterModule, rows: (LoRASlot, [Float]) -> [Float] = { $1 }) -> [Float] {
        module.slots.flatMap { rows($0, b($0)) }
    }

    public mutating func setA(_ module: AdapterModule, _ values: [Float]) { setA(module.slots[0], values) }

    /// Splits a stacked B (Σ out, R) into the members' Bs, each passed through `rows` after.
    public mutating func setB(_ module: AdapterModule, _ values: [Float], rows: (LoRASlot, [Float]) -> [Float] = { $1 }) {
        var offset = 0
        for slot in module.slots {
            let count = slot.output * settings.rank
            setB(slot, rows(slot, Array(values[offset..<(offset + count)])))
            offset += count
        }
    }
}

extension LoRAProjection {
    /// The projections a PEFT module name stands for in a model of `family`: `q_proj` → [q],
    /// Phi-3's `qkv_proj` → [q, k, v]; nil for a name the family does not have.
    public static func members(ofModule name: String, family: ModelFamily) -> [LoRAProjection]? {
        if let fused = family.fusedProjections.first(where: { $0.hfModuleName == name }) { return fused.members }
        guard let single = LoRAProjection(hfModuleName: name), family.fusedProjection(containing: single) == nil else { return nil }
        return [single]
    }

    /// The projections a llama.cpp tensor stem stands for (`attn_qkv` → [q, k, v] in Phi-3).
    public static func members(ofGGUFName name: String, family: ModelFamily) -> [LoRAProjection]? {
        if let fused = family.fusedProjections.first(where: { $0.ggufName == name }) { return fused.members }
        guard let single = LoRAProjection.allCases.first(where: { $0.ggufName == name }),
              family.fusedProjection(containing: single) == nil else { return nil }
        return [single]
    }
}
