import Foundation
import Llama

/// Where one adapted projection's A and B live inside the flat parameter vector.
public struct LoRASlot: Sendable, Equatable, Codable {
    public var layer: Int
    public var projection: LoRAProjection
    public var input: Int        // C_in
    public var output: Int       // C_out
    public var aOffset: Int      // A (R, C_in) row-major
    public var bOffset: Int      // B (C_out, R) row-major
}

/// The hyper-parameters that define an adapter's layout and scale.
public struct LoRASettings: Sendable, Equatable, Codable {
    /// Rank R of A (R, in) and B (out, R).
    public var rank: Int
    /// PEFT's lora_alpha.
    public var alpha: Float
    /// rsLoRA: scale alpha/√R instead of alpha/R.
    public var useRSLoRA: Bool
    /// Projections that carry an adapter, in every layer.
    public var targets: [LoRAProjection]
    /// Probability of zeroing an adapter input element while training (0: none).
    public var dropout: Float

    public init(rank: Int = 8, alpha: Float = 16, useRSLoRA: Bool = false,
                targets: [LoRAProjection] = [.q, .v], dropout: Float = 0) {
        self.rank = rank; self.alpha = alpha; self.useRSLoRA = useRSLoRA
        self.targets = targets.sorted(); self.dropout = dropout
    }

    public var scale: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }
}

/// All LoRA parameters of a model in one allocation with named views (llm.c style), so the optimizer
/// is one flat loop and gradients use the same type.
public struct LoRAParameters: Sendable, Equatable {
    public var settings: LoRASettings
    public var slots: [LoRASlot]
    public var values: [Float]
    /// The model's fused modules (Phi-3's qkv_proj, gate_up_proj): their members' slots share one A.
    public let fusedModules: [FusedProjection]

    /// Zero-filled parameters laid out for `shape`: layer-major, projections in q,k,v,o,gate,up,down
    /// order. Where the family fuses projections, naming one member adapts the whole module, and the
    /// members after the first point at the first one's A (stored once, so its gradient is the sum).
    public init(shape: LlamaConfig, settings: LoRASettings) {
        var settings = settings
        settings.targets = shape.family.adaptableTargets(settings.targets)
        self.settings = settings
        self.fusedModules = shape.family.fusedProjections
        var slots: [LoRASlot] = []
        var offset = 0
        for layer in 0..<shape.layers {
            for projection in settings.targets {
                let (input, output) = projection.features(shape)
                let aOffset: Int
                if let module = shape.family.fusedProjection(containing: projection), module.leader != projection,
                   let leader = slots.last(where: { $0.layer == layer && $0.projection == module.leader }) {
                    aOffset = leader.aOffset
                } else {
                    aOffset = offset
                    offset += settings.rank * input
                }
                slots.append(LoRASlot(layer: layer, projection: projection, input: input, output: output,
                                      aOffset: aOffset, bOffset: offset))
                offset += output * settings.rank
            }
        }
        self.slots = slots
        self.values = [Float](repeating: 0, count: offset)
    }

    /// Same layout, all zeros: the gradient buffer.
    public func zeros() -> LoRAParameters {
        var copy = self
        copy.values = [Float](repeating: 0, count: values.count)
        return copy
    }

    /// Whether the slot's A is another slot's (a fused module's member after the first).
    public func sharesA(_ slot: LoRASlot) -> Bool {
        slots.contains { $0.aOffset == slot.aOffset && $0.layer == slot.layer && $0.projection < slot.projection }
    }

    public func slot(layer: Int, projection: LoRAProjection) -> LoRASlot? {
        slots.first { $0.layer == layer && $0.projection == projection }
    }

    /// A (R, in) of a slot, copied out.
    public func a(_ slot: LoRASlot) -> [Float] { Array(values[slot.aOffset..<(slot.aOffset + settings.rank * slot.input)]) }
    /// B (out, R) of a slot, copied out.
    public func b(_ slot: LoRASlot) -> [Float] { Array(values[slot.bOffset..<(slot.bOffset + slot.output * settings.rank)]) }

    public mutating func setA(_ slot: LoRASlot, _ a: [Float]) {
        precondition(a.count == settings.rank * slot.input)
        values.replaceSubrange(slot.aOffset..<(slot.aOffset + a.count), with: a)
    }

    public mutating func setB(_ slot: LoRASlot, _ b: [Float]) {
        precondition(b.count == slot.output * settings.rank)
        values.replaceSubrange(slot.bOffset..<(slot.bOffset + b.count), with: b)
    }

    /// PEFT's safetensors key for a slot's A or B, e.g.
    /// base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight
    public static func peftKey(layer: Int, projection: LoRAProjection, isA: Bool) -> String {
        "base_model.model.model.layers.\(layer).\(projection.hfPath).lora_\(isA ? "A" : "B").weight"
    }
}
