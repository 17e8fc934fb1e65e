import TensorKit

/// What one transformer block computed, kept for the backward pass when a forward call asks for it.
/// N is the number of tokens in the call; the buffers are filled in this order.
public final class LayerActivations: @unchecked Sendable {
    public let attnInput: FloatBuffer   // (N, C) residual stream entering the block
    public let attnRstd: FloatBuffer    // (N) 1/rms of attnInput
    public let attnNormed: FloatBuffer  // (N, C) input of q, k, v
    public let q: FloatBuffer           // (N, NH*HD) after RoPE
    public let k: FloatBuffer           // (N, KVH*HD) after RoPE
    public let v: FloatBuffer           // (N, KVH*HD)
    /// Softmax probabilities: for each segment in call order, for each head, (count, start + count),
    /// row i causal (zero after column start + i); offsets from `ForwardActivations.probabilityOffsets`.
    public let probabilities: FloatBuffer
    public let attnOut: FloatBuffer     // (N, C) heads concatenated, input of o
    public let ffnInput: FloatBuffer    // (N, C) residual stream after attention
    public let ffnRstd: FloatBuffer     // (N)
    public let ffnNormed: FloatBuffer   // (N, C) input of gate and up
    public let gate: FloatBuffer        // (N, F) before SiLU
    public let up: FloatBuffer          // (N, F)
    public let swiglu: FloatBuffer      // (N, F) silu(gate) ⊙ up, input of down
    /// x · Aᵀ for each adapted projection, (N, r).
    public var loraHidden: [LoRATarget: FloatBuffer]

    init(config: LlamaConfig, tokens: Int, probabilityCount: Int, lora: LoRAAdapter?, layer: Int,
         residual: FloatBuffer? = nil, ffnResidual: FloatBuffer? = nil) {
        let n = tokens, c = config.dim, f = config.hiddenDim, kv = config.kvDim
        attnInput = residual ?? FloatBuffer(count: n * c)
        attnRstd = FloatBuffer(count: n)
        attnNormed = FloatBuffer(count: n * c)
        q = FloatBuffer(count: n * c)
        k = FloatBuffer(count: n * kv)
        v = FloatBuffer(count: n * kv)
        probabilities = FloatBuffer(count: probabilityCount)
        attnOut = FloatBuffer(count: n * c)
        ffnInput = ffnResidual ?? FloatBuffer(count: n * c)
        ffnRstd = FloatBuffer(count: n)
        ffnNormed = FloatBuffer(count: n * c)
        gate = FloatBuffer(count: n * f)
        up = FloatBuffer(count: n * f)
        swiglu = FloatBuffer(count: n * f)
        loraHidden = [:]
        if let lora, layer < lora.layers.count {
            for (target, weights) in lora.layers[layer] {
                loraHidden[target] = FloatBuffer(count: n * weights.rank)
            }
        }
    }
}

/// Every layer's activations of one forward call plus the final norm, for the backward pass.
public final class ForwardActivations: @unchecked Sendable {
    public let tokens: Int
    public let segments: [SequenceSegment]
    /// Per token: its position (RoPE angle) and its segment's index.
    public let positions: [Int32]
    public var layers: [LayerActivations]
    public let finalInput: FloatBuffer   // (N, C) residual stream after the last block
    public let finalRstd: FloatBuffer    // (N)
    public let finalNormed: FloatBuffer  // (N, C) input of the LM head

    init(tokens: Int, segments: [SequenceSegment], positions: [Int32], layers: [LayerActivations],
         finalInput: FloatBuffer, finalRstd: FloatBuffer, finalNormed: FloatBuffer) {
        self.tokens = tokens
        self.segments = segments
        self.positions = positions
        self.layers = layers
        self.finalInput = finalInput
        self.finalRstd = finalRstd
        self.finalNormed = finalNormed
    }

    /// Offset in `probabilities` of segment s, head h: (count, start + count) floats each.
    public static func probabilityOffsets(segments: [SequenceSegment], heads: Int) -> (offsets: [[Int]], total: Int) {
        var offsets: [[Int]] = []
        var total = 0
        for segment in segments {
            var perHead: [Int] = []
            for _ in 0..<heads {
                perHead.append(total)
                total += segment.count * segment.end
            }
            offsets.append(perHead)
        }
        return (offsets, total)
    }
}
