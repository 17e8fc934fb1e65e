import Foundation

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

/// The seven projections a LoRA adapter can attach to.
public enum LoRAProjection: String, CaseIterable, Sendable, Codable, Comparable {
    case q, k, v, o, gate, up, down

    /// PEFT's module name, e.g. "q_proj".
    public var hfModuleName: String { rawValue + "_proj" }
    /// PEFT's path below `model.layers.N.`, e.g. "self_attn.q_proj".
    public var hfPath: String {
        switch self {
        case .q, .k, .v, .o: return "self_attn." + hfModuleName
        case .gate, .up, .down: return "mlp." + hfModuleName
        }
    }
    /// llama.cpp's tensor name below `blk.N.`, e.g. "attn_q".
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
        guard let found = LoRAProjection.allCases.first(where: { $0.hfModuleName == hfModuleName }) else { return nil }
        self = found
    }

    public static func < (lhs: LoRAProjection, rhs: LoRAProjection) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
