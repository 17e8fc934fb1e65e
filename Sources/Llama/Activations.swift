import TensorKit

/// What one transformer block computes from its input, in the order the forward pass fills it.
/// N is the number of tokens in the call; buffers may be longer than a call (reused), and every
/// kernel reads and writes only the first N rows.
public final class LayerActivations: @unchecked Sendable {
    public let attnRstd: FloatBuffer    // (N) 1/rms of the block's input
    public let attnNormed: FloatBuffer  // (N, C) input of q, k, v
    public let q: FloatBuffer           // (N, NH*HD) after the q norm and RoPE
    public let k: FloatBuffer           // (N, KVH*HD) after the k norm and RoPE
    public let v: FloatBuffer           // (N, KVH*HD)
    /// With q/k norms (Qwen3, Gemma 3): the projections (+ bias) before the norm, (N, NH*HD) and
    /// (N, KVH*HD), and the norms' 1/rms per (token, head), (N·NH) and (N·KVH). Empty otherwise; when
    /// nothing is kept the raw values are normed in place (qRaw is q).
    public let qRaw: FloatBuffer
    public let kRaw: FloatBuffer
    public let qRstd: FloatBuffer
    public let kRstd: FloatBuffer
    /// Softmax probabilities when kept: see `Attention.forward` and `ForwardActivations.probabilityOffsets`.
    public let probabilities: FloatBuffer
    public let attnOut: FloatBuffer     // (N, NH*HD) heads concatenated, input of o
    /// With post-norms (Gemma 3), kept: the o and down products before their norm, (N, C), and the
    /// norms' 1/rms, (N). Empty otherwise, and when nothing is kept (the call's `projected` serves).
    public let attnProjected: FloatBuffer
    public let attnPostRstd: FloatBuffer
    public let mlpProjected: FloatBuffer
    public let mlpPostRstd: FloatBuffer
    public let ffnInput: FloatBuffer    // (N, C) residual stream after attention
    public let ffnRstd: FloatBuffer     // (N)
    public let ffnNormed: FloatBuffer   // (N, C) input of gate and up
    public let gate: FloatBuffer        // (N, F) before the activation
    public let up: FloatBuffer          // (N, F)
    public let swiglu: FloatBuffer      // (N, F) act(gate) ⊙ up (SiLU or GELU-tanh), input of down
    /// drop(x) · Aᵀ for each adapted projection, (N, R); grown on first use.
    public internal(set) var loraHidden: [LoRATarget: FloatBuffer] = [:]
    /// The adapter-input dropout mask of each adapted projection, (N, in): entries 0 or 1/(1 − p).
    public internal(set) var dropoutMasks: [LoRATarget: FloatBuffer] = [:]

    /// Room for `tokens` rows and `probabilityCount` kept probabilities; `ffnResidual` is the
    /// buffer the attention residual is written to (the stream itself when nothing is kept). When
    /// nothing is kept (`sharing`), buffers whose values are dead before the next is written are one:
    /// attnNormed, attnOut and ffnNormed; gate and swiglu (SwiGLU runs in place).
    init(config: LlamaConfig, tokens n: Int, probabilityCount: Int, ffnResidual: FloatBuffer? = nil, sharing: Bool = false) {
        let c = config.dim, f = config.hiddenDim, kv = config.kvDim, qd = config.qDim, family = config.family
        attnRstd = FloatBuffer(count: n)
        attnNormed = FloatBuffer(count: n * (sharing ? max(c, qd) : c))
        q = FloatBuffer(count: n * qd)
        k = FloatBuffer(count: n * kv)
        v = FloatBuffer(count: n * kv)
        let normsQK = family.qkNorm
        qRaw = !normsQK ? FloatBuffer(count: 0) : sharing ? q : FloatBuffer(count: n * qd)
        kRaw = !normsQK ? FloatBuffer(count: 0) : sharing ? k : FloatBuffer(count: n * kv)
        qRstd = FloatBuffer(count: normsQK ? n * config.heads : 0)
        kRstd = FloatBuffer(count: normsQK ? n * config.kvHeads : 0)
        let keepsPost = family.postNorms && !sharing
        attnProjected = FloatBuffer(count: keepsPost ? n * c : 0)
        mlpProjected = FloatBuffer(count: keepsPost ? n * c : 0)
        attnPostRstd = FloatBuffer(count: family.postNorms ? n : 0)
        mlpPostRstd = FloatBuffer(count: family.postNorms ? n : 0)
        probabilities = FloatBuffer(count: probabilityCount)
        attnOut = sharing ? attnNormed : FloatBuffer(count: n * qd)
        ffnInput = ffnResidual ?? FloatBuffer(count: n * c)
        ffnRstd = FloatBuffer(count: n)
        ffnNormed = sharing ? attnNormed : FloatBuffer(count: n * c)
        gate = FloatBuffer(count: n * f)
        up = FloatBuffer(count: n * f)
        swiglu = sharing ? gate : FloatBuffer(count: n * f)
    }

    /// The (N, R) buffer of `target`'s adapter hidden, at least `count` floats.
    func loraHidden(_ target: LoRATarget, count: Int) -> FloatBuffer { Self.grown(&loraHidden, target, count) }

    /// The (N, in) dropout mask buffer of `target`, at least `count` floats.
    func dropoutMask(_ target: LoRATarget, count: Int) -> FloatBuffer { Self.grown(&dropoutMasks, target, count) }

    /// `buffers[target]`, replaced by a larger one when it holds fewer than `count` floats.
    private static func grown(_ buffers: inout [LoRATarget: FloatBuffer], _ target: LoRATarget, _ count: Int) -> FloatBuffer {
        if let buffer = buffers[target], buffer.count >= count { return buffer }
        let buffer = FloatBuffer(count: count)
        buffers[target] = buffer
        return buffer
    }
}

/// Every intermediate a backward pass needs from one forward call, kept in buffers the caller owns
/// and reuses from call to call (a training step then allocates and page-faults nothing). With
/// `keepsEveryLayer` false only each layer's input is kept and one `LayerActivations` serves every
/// layer: `LlamaModel.recompute(layer:in:)` fills it again during the backward pass (activation
/// checkpointing). Legend: L layers, N tokens of the call (at most `capacity`).
public final class ForwardActivations: @unchecked Sendable {
    public let capacity: Int
    /// Kept probabilities per layer, in floats.
    public let probabilityCapacity: Int
    public let keepsEveryLayer: Bool
    /// The residual stream entering each layer, and after the last: (L + 1) × (N, C).
    public let residuals: [FloatBuffer]
    let layers: [LayerActivations]
    public let finalRstd: FloatBuffer    // (N)
    public let finalNormed: FloatBuffer  // (N, C) input of the LM head
    /// cos and sin of each token's rotary angles, one pair per rotary table of the family: RoPE's
    /// backward rotates by them too.
    public let rope: [RotaryAngles]
    /// Where a recomputed layer writes its output (unused: the next layer's input is kept).
    let recomputedOutput: FloatBuffer
    /// What the call that filled these buffers shared across layers; nil before the first call.
    var pass: LayerPass?
    /// outputs of bf16 or int8 projections packed together (see `PackedWeights.linear`), grown on first use.
    let joined = GrowingBuffer()

    public init(config: LlamaConfig, capacity: Int, probabilityCapacity: Int, keepsEveryLayer: Bool = true) {
        self.capacity = capacity
        self.probabilityCapacity = probabilityCapacity
        self.keepsEveryLayer = keepsEveryLayer
        let c = config.dim
        residuals = (0...config.layers).map { _ in FloatBuffer(count: capacity * c) }
        layers = (0..<(keepsEveryLayer ? config.layers : 1)).map { _ in
            LayerActivations(config: config, tokens: capacity, probabilityCount: probabilityCapacity)
        }
        finalRstd = FloatBuffer(count: capacity)
        finalNormed = FloatBuffer(count: capacity * c)
        rope = config.family.rope.map { RotaryAngles(capacity: capacity, dimensions: $0.dimensions) }
        recomputedOutput = FloatBuffer(count: keepsEveryLayer ? 0 : capacity * c)
    }

    /// Activations of layer `l` (the shared one when layers are recomputed).
    public func layer(_ l: Int) -> LayerActivations { keepsEveryLayer ? layers[l] : layers[0] }

    /// Whether a call of `tokens` tokens laid out as `segments` fits.
    public func fits(tokens: Int, segments: [SequenceSegment], heads: Int) -> Bool {
        tokens <= capacity && Self.probabilityOffsets(segments: segments, heads: heads).total <= probabilityCapacity
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

/// A scratch buffer kept between calls and grown when a call needs more.
final class GrowingBuffer: @unchecked Sendable {
    private var buffer: FloatBuffer?

    /// At least `count` floats; their values are whatever the last user left.
    func take(_ count: Int) -> FloatBuffer {
        if let buffer, buffer.count >= count { return buffer }
        let grown = FloatBuffer(uninitializedCount: count)
        buffer = grown
        return grown
    }
}

/// cos and sin of each token's angles for one rotary table, (N, R/2) each, R the rotated width.
public final class RotaryAngles: @unchecked Sendable {
    public let dimensions: Int
    public let cosines: FloatBuffer
    public let sines: FloatBuffer

    init(capacity: Int, dimensions: Int) {
        self.dimensions = dimensions
        cosines = FloatBuffer(count: capacity * dimensions / 2)
        sines = FloatBuffer(count: capacity * dimensions / 2)
    }
}
