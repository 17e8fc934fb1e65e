import Foundation
import TensorKit

/// Float32 weights of one transformer block, row-major as PyTorch's `Linear` stores them (out, in).
/// q/k rows are in Hugging Face order (un-permuted from GGUF at load); fused tensors (Phi-3's
/// attn_qkv and gate-and-up ffn_up) are split into their projections. The optional pieces are
/// there when the family has them (`ModelFamily`).
public struct LayerWeights: @unchecked Sendable {
    public var attnNorm: FloatBuffer  // (C)
    public var wq: FloatBuffer        // (Q, C)
    public var wk: FloatBuffer        // (KVH*HD, C)
    public var wv: FloatBuffer        // (KVH*HD, C)
    public var wo: FloatBuffer        // (C, Q)
    public var ffnNorm: FloatBuffer   // (C)
    public var wGate: FloatBuffer     // (F, C)
    public var wUp: FloatBuffer       // (F, C)
    public var wDown: FloatBuffer     // (C, F)
    /// Biases of q, k and v (Qwen2): (Q), (KVH*HD), (KVH*HD). Frozen: LoRA adapts the weights only.
    public var bq: FloatBuffer?
    public var bk: FloatBuffer?
    public var bv: FloatBuffer?
    /// Per-head RMSNorm weights of q and k, (HD) each (Qwen3, Gemma 3).
    public var qNorm: FloatBuffer?
    public var kNorm: FloatBuffer?
    /// RMSNorm weights on the attention and MLP outputs, (C) each (Gemma 3).
    public var postAttnNorm: FloatBuffer?
    public var postFFNNorm: FloatBuffer?

    public init(attnNorm: FloatBuffer, wq: FloatBuffer, wk: FloatBuffer, wv: FloatBuffer, wo: FloatBuffer,
                ffnNorm: FloatBuffer, wGate: FloatBuffer, wUp: FloatBuffer, wDown: FloatBuffer) {
        self.attnNorm = attnNorm
        self.wq = wq
        self.wk = wk
        self.wv = wv
        self.wo = wo
        self.ffnNorm = ffnNorm
        self.wGate = wGate
        self.wUp = wUp
        self.wDown = wDown
    }

    /// The frozen weight of a LoRA-adaptable projection.
    public func projection(_ target: LoRATarget) -> FloatBuffer {
        switch target {
        case .q: return wq
        case .k: return wk
        case .v: return wv
        case .o: return wo
        case .gate: return wGate
        case .up: return wUp
        case .down: return wDown
        }
    }

    public mutating func setProjection(_ target: LoRATarget, _ weight: FloatBuffer) {
        switch target {
        case .q: wq = weight
        case .k: wk = weight
        case .v: wv = weight
        case .o: wo = weight
        case .gate: wGate = weight
        case .up: wUp = weight
        case .down: wDown = weight
        }
    }
}

/// All Float32 parameters of a Llama model.
public struct LlamaWeights: @unchecked Sendable {
    public var tokenEmbedding: FloatBuffer  // (V, C); also the LM head when tied
    public var layers: [LayerWeights]
    public var finalNorm: FloatBuffer       // (C)
    /// (V, C); nil when the embedding is tied.
    public var lmHead: FloatBuffer?

    public init(tokenEmbedding: FloatBuffer, layers: [LayerWeights], finalNorm: FloatBuffer, lmHead: FloatBuffer?) {
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.lmHead = lmHead
    }

    /// The (V, C) matrix the LM head multiplies by: `lmHead`, or the embedding when tied.
    public var outputWeight: FloatBuffer { lmHead ?? tokenEmbedding }
}
