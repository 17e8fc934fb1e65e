import Foundation
import Llama

/// The dimensions of a Llama model as the trainer needs them.
/// Legend used across Training: B batch, T time, C width, NH heads, NKV key/value heads, HD head dim,
/// F feed-forward width, V vocabulary, L layers, R LoRA rank.
public struct ModelShape: Sendable, Equatable, Codable {
    public var layers: Int
    public var width: Int
    public var heads: Int
    public var kvHeads: Int
    public var ffnWidth: Int
    public var vocabulary: Int
    public var ropeBase: Float
    public var normEps: Float

    public init(layers: Int, width: Int, heads: Int, kvHeads: Int, ffnWidth: Int, vocabulary: Int,
                ropeBase: Float, normEps: Float) {
        self.layers = layers; self.width = width; self.heads = heads; self.kvHeads = kvHeads
        self.ffnWidth = ffnWidth; self.vocabulary = vocabulary; self.ropeBase = ropeBase; self.normEps = normEps
    }

    public var headDim: Int { width / heads }
    public var qWidth: Int { heads * headDim }
    public var kvWidth: Int { kvHeads * headDim }

    /// (input width, output width) of a projection, as in PyTorch's Linear(in, out).
    public func dimensions(of projection: LoRAProjection) -> (input: Int, output: Int) {
        switch projection {
        case .q: return (width, qWidth)
        case .k, .v: return (width, kvWidth)
        case .o: return (qWidth, width)
        case .gate, .up: return (width, ffnWidth)
        case .down: return (ffnWidth, width)
        }
    }
}

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
