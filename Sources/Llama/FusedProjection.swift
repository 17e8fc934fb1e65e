import Foundation

/// A module that holds several projections in one matrix, as Hugging Face and llama.cpp store a
/// Phi-3: `qkv_proj` / `attn_qkv` is q, k, v stacked by rows, `gate_up_proj` / `ffn_up` gate then
/// up. The loader splits such a matrix into its projections; a LoRA on the module (PEFT's and
/// llama.cpp's only form for it) is one A shared by the members and one B whose row blocks are the
/// members' Bs: ΔW_fused = scale · [B_q; B_k; B_v] · A.
public struct FusedProjection: Sendable, Equatable, Codable {
    /// The projections in row order.
    public let members: [LoRATarget]
    /// PEFT's module name below `model.layers.N.<hfBlock>.`.
    public let hfModuleName: String
    public let hfBlock: String
    /// llama.cpp's tensor stem (`blk.N.<ggufName>.weight`).
    public let ggufName: String

    /// The member whose A the others share (and whose dropout mask they use).
    public var leader: LoRATarget { members[0] }
    /// PEFT's path below `model.layers.N.`, e.g. "self_attn.qkv_proj".
    public var hfPath: String { hfBlock + "." + hfModuleName }

    public static let qkv = FusedProjection(members: [.q, .k, .v], hfModuleName: "qkv_proj", hfBlock: "self_attn", ggufName: "attn_qkv")
    public static let gateUp = FusedProjection(members: [.gate, .up], hfModuleName: "gate_up_proj", hfBlock: "mlp", ggufName: "ffn_up")

    /// Rows of the fused matrix before `member`'s block, and the block's rows, in a model of `config`'s shape.
    public func rows(of member: LoRATarget, _ config: LlamaConfig) -> (offset: Int, count: Int) {
        var offset = 0
        for m in members {
            let rows = m.features(config).outFeatures
            if m == member { return (offset, rows) }
            offset += rows
        }
        preconditionFailure("\(member) is not in \(hfModuleName)")
    }

    /// All rows of the fused matrix.
    public func totalRows(_ config: LlamaConfig) -> Int { members.reduce(0) { $0 + $1.features(config).outFeatures } }
}

extension ModelFamily {
    /// The fused modules of the family's checkpoints (Phi-3's two; none for the others).
    public var fusedProjections: [FusedProjection] { fusesProjections ? [.qkv, .gateUp] : [] }

    /// The fused module `target` lives in, if the family fuses it.
    public func fusedProjection(containing target: LoRATarget) -> FusedProjection? {
        fusedProjections.first { $0.members.contains(target) }
    }

    /// `targets` with every fused module's members added when one of them is named (an adapter on
    /// Phi-3's q is an adapter on qkv_proj), in q, k, v, o, gate, up, down order.
    public func adaptableTargets(_ targets: [LoRATarget]) -> [LoRATarget] {
        var set = Set(targets)
        for module in fusedProjections where module.members.contains(where: set.contains) {
            set.formUnion(module.members)
        }
        return LoRATarget.allCases.filter(set.contains)
    }
}
