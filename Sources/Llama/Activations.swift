import TensorKit

/// What one transformer block computes from its input, in the order the forward pass fills it.
/// N is the number of tokens in the call; buffers may be longer than a call (reused), and every
/// kernel reads and writes only the first N rows.
public final class LayerActivations: @unchecked Sendable {
    public let attnRstd: FloatBuffer    // (N) 1/rms of the block's input
    public let attnNormed: FloatBuffer  // (N, C) input of q, k, v
    public let q: FloatBuffer           // (N, NH*HD) after RoPE
    public let k: FloatBuffer           // (N, KVH*HD) after RoPE
    public let v: FloatBuffer           // (N, KVH*HD)
    /// Softmax probabilities when kept: see `Attention.forward` and `ForwardActivations.probabilityOffsets`.
    public let probabilities: FloatBuffer
    public let attnOut: FloatBuffer     // (N, C) heads concatenated, input of o
    public let ffnInput: FloatBuffer    // (N, C) residual stream after attention
    public let ffnRstd: FloatBuffer     // (N)
    public let ffnNormed: FloatBuffer   // (N, C) input of gate and up
    public let gate: FloatBuffer        // (N, F) before SiLU
    public let up: FloatBuffer          // (N, F)
    public let swiglu: FloatBuffer      // (N, F) silu(gate) ⊙ up, input of down
    /// drop(x) · Aᵀ for each adapted projection, (N, R); grown on first use.
    public internal(set) var loraHidden: [LoRATarget: FloatBuffer] = [:]
    /// The adapter-input dropout mask of each adapted projection, (N, in): entries 0 or 1/(1 − p).
    public internal(set) var dropoutMasks: [LoRATarget: FloatBuffer] = [:]

    /// Room for `tokens` rows and `probabilityCount` kept probabilities; `ffnResidual` is the
    /// buffer the attention residual is written to (the stream itself when nothing is kept). When
    /// nothing is kept (`sharing`), buffers whose values are dead before the next is written are one:
    /// attnNormed, attnOut and ffnNormed; gate and swiglu (SwiGLU runs in place).
    init(config: LlamaConfig, tokens n: Int, probabilityCount: Int, ffnResidual: FloatBuffer? = nil, sharing: Bool = false) {
        let c = config.dim, f = config.hiddenDim, kv = config.kvDim
        attnRstd = FloatBuffer(count: n)
        attnNormed = FloatBuffer(count: n * c)
        q = FloatBuffer(count: n * c)
        k = FloatBuffer(count: n * kv)
        v = FloatBuffer(count: n * kv)
        probabilities = FloatBuffer(count: probabilityCount)
        attnOut = sharing ? attnNormed : FloatBuffer(count: n * c)
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
    /// cos and sin of each token's rotary angles, (N, HD/2): RoPE's backward rotates by them too.
    public let ropeCosines: FloatBuffer
    public let ropeSines: FloatBuffer
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
        ropeCosines = FloatBuffer(count: capacity * config.headDim / 2)
        ropeSines = FloatBuffer(count: capacity * config.headDim / 2)
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
