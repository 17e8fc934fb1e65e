import Llama

/// The seven projections a LoRA adapter can attach to: the inference engine's `LoRATarget`
/// (names for PEFT and llama.cpp live there), ordered as the architecture lists them.
public typealias LoRAProjection = LoRATarget

extension LoRATarget: Comparable {
    /// PEFT's path below `model.layers.N.`, e.g. "self_attn.q_proj".
    public var hfPath: String { hfBlock + "." + hfModuleName }

    public static func < (lhs: LoRATarget, rhs: LoRATarget) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
