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
    /// Whether attnNormed, and q and k (after their norms and RoPE, from the kept qRaw and kRaw), are
    /// shared by every layer and must be computed again by a backward pass before it reads them:
    /// norms and rotations are cheap next to the memory they would keep (see `SharedLayerBuffers`).
    public let recomputesNormedInput: Bool
    public let recomputesQK: Bool
    /// drop(x) · Aᵀ for each adapted projection, (N, R); grown on first use.
    public internal(set) var loraHidden: [LoRATarget: FloatBuffer] = [:]
    /// The adapter-input dropout mask of each adapted projection, (N, in): entries 0 or 1/(1 − p).
    public internal(set) var dropoutMasks: [LoRATarget: FloatBuffer] = [:]

    /// Room for `tokens` rows and `probabilityCount` kept probabilities; `ffnResidual` is the
    /// buffer the attention residual is written to (the stream itself when nothing is kept). When
    /// nothing is kept (`sharing`), buffers whose values are dead before the next is written are one:
    /// attnNormed, attnOut and ffnNormed; gate and swiglu (SwiGLU runs in place). With `shared`,
    /// the buffers it holds are used instead of the layer's own (see `SharedLayerBuffers`).
    init(config: LlamaConfig, tokens n: Int, probabilityCount: Int, ffnResidual: FloatBuffer? = nil, sharing: Bool = false,
         shared: SharedLayerBuffers? = nil) {
        let c = config.dim, f = config.hiddenDim, kv = config.kvDim, qd = config.qDim, family = config.family
        attnRstd = FloatBuffer(count: n)
        attnNormed = shared?.attnNormed ?? FloatBuffer(count: n * (sharing ? max(c, qd) : c))
        recomputesNormedInput = shared?.attnNormed != nil
        q = shared?.q ?? FloatBuffer(count: n * qd)
        k = shared?.k ?? FloatBuffer(count: n * kv)
        recomputesQK = shared?.q != nil
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
        attnOut = sharing ? attnNormed : shared?.attnOut ?? FloatBuffer(count: n * qd)
        ffnInput = ffnResidual ?? FloatBuffer(count: n * c)
        ffnRstd = FloatBuffer(count: n)
        ffnNormed = sharing ? attnNormed : shared?.ffnNormed ?? FloatBuffer(count: n * c)
        gate = FloatBuffer(count: n * f)
        up = FloatBuffer(count: n * f)
        swiglu = sharing ? gate : shared?.swiglu ?? FloatBuffer(count: n * f)
    }

    /// Bytes one kept layer's own buffers take (those `init` allocates for it, not the shared ones).
    static func keptBytes(config: LlamaConfig, tokens n: Int, probabilityCount: Int, adapted: Set<LoRATarget>?) -> Int {
        let c = config.dim, f = config.hiddenDim, kv = config.kvDim, qd = config.qDim, family = config.family
        // the shareable ones (attnNormed, q, k, v, attnOut, ffnNormed, swiglu), then ffnInput, gate and up
        var floats = SharedLayerBuffers.keptWidth(config: config, adapted: adapted) + c + 2 * f
        if family.qkNorm { floats += qd + kv + config.heads + config.kvHeads }
        if family.postNorms { floats += 2 * c + 2 }
        floats += 2  // attention and feed-forward 1/rms
        return (floats * n + probabilityCount) * 4
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

/// Buffers one training step's layers share instead of keeping their own (nil: each layer keeps its
/// own), as PyTorch's selective activation checkpointing keeps products and recomputes the cheap:
/// - the inputs of projections without an adapter, which a backward pass never reads (a frozen
///   product's input gradient needs only W): attnOut, ffnNormed, swiglu for LoRA on q and v;
/// - attnNormed, an RMSNorm of the kept layer input, and with q/k norms q and k, an RMSNorm and a
///   rotation of the kept qRaw and kRaw: the backward pass computes them again, to the same bits.
/// For Gemma 3 270M with LoRA on q and v this keeps 9,500 instead of 13,800 floats per token and layer.
struct SharedLayerBuffers {
    let attnNormed: FloatBuffer?  // input of q, k, v
    let q: FloatBuffer?           // after the q norm and RoPE
    let k: FloatBuffer?
    let attnOut: FloatBuffer?     // input of o
    let ffnNormed: FloatBuffer?   // input of gate and up
    let swiglu: FloatBuffer?      // input of down

    init(config: LlamaConfig, tokens n: Int, adapted: Set<LoRATarget>) {
        func shared(unless readers: [LoRATarget], _ width: Int) -> FloatBuffer? {
            readers.contains(where: adapted.contains) ? nil : FloatBuffer(count: n * width)
        }
        attnNormed = FloatBuffer(count: n * config.dim)
        q = config.family.qkNorm ? FloatBuffer(count: n * config.qDim) : nil
        k = config.family.qkNorm ? FloatBuffer(count: n * config.kvDim) : nil
        attnOut = shared(unless: [.o], config.qDim)
        ffnNormed = shared(unless: [.gate, .up], config.dim)
        swiglu = shared(unless: [.down], config.hiddenDim)
    }

    /// Floats per token one layer keeps of what these buffers could hold (see `LayerActivations.keptBytes`).
    static func keptWidth(config: LlamaConfig, adapted: Set<LoRATarget>?) -> Int {
        guard let adapted else { return config.dim + config.qDim + config.kvDim * 2 + config.qDim + config.dim + config.hiddenDim }
        func kept(_ readers: [LoRATarget], _ width: Int) -> Int { readers.contains(where: adapted.contains) ? width : 0 }
        return (config.family.qkNorm ? 0 : config.qDim + config.kvDim) + config.kvDim
            + kept([.o], config.qDim) + kept([.gate, .up], config.dim) + kept([.down], config.hiddenDim)
    }
}

/// Every intermediate a backward pass needs from one forward call, kept in buffers the caller owns
/// and reuses from call to call (a training step then allocates and page-faults nothing). With
/// `keepsEveryLayer` false only each layer's input is kept and one `LayerActivations` serves every
/// layer: `LlamaModel.recompute(layer:in:)` fills it again during the backward pass (activation
/// checkpointing). With `recomputedLayers` = k, only layers 0 ..< k share it (selective checkpointing).
/// Legend: L layers, N tokens of the call (at most `capacity`).
public final class ForwardActivations: @unchecked Sendable {
    public let capacity: Int
    /// Kept probabilities per layer, in floats.
    public let probabilityCapacity: Int
    public var keepsEveryLayer: Bool { recomputedLayers == 0 }
    /// Layers 0 ..< recomputedLayers share one `LayerActivations` and are computed again in backward.
    public let recomputedLayers: Int
    /// The adapted projections whose inputs are kept (nil: every input).
    public let adapted: Set<LoRATarget>?
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

    /// `adapted`: the projections with an adapter, whose inputs a backward pass reads (nil: keep
    /// every input). `recomputedLayers`: how many of the first layers are recomputed in backward.
    public init(config: LlamaConfig, capacity: Int, probabilityCapacity: Int, keepsEveryLayer: Bool = true,
                adapted: Set<LoRATarget>? = nil, recomputedLayers: Int? = nil) {
        self.capacity = capacity
        self.probabilityCapacity = probabilityCapacity
        self.recomputedLayers = min(config.layers, max(0, recomputedLayers ?? (keepsEveryLayer ? 0 : config.layers)))
        self.adapted = adapted
        let c = config.dim
        residuals = (0...config.layers).map { _ in FloatBuffer(count: capacity * c) }
        let shared = adapted.map { SharedLayerBuffers(config: config, tokens: capacity, adapted: $0) }
        let owned = config.layers - self.recomputedLayers + (self.recomputedLayers > 0 ? 1 : 0)
        layers = (0..<owned).map { _ in
            LayerActivations(config: config, tokens: capacity, probabilityCount: probabilityCapacity, shared: shared)
        }
        finalRstd = FloatBuffer(count: capacity)
        finalNormed = FloatBuffer(count: capacity * c)
        rope = config.family.rope.map { RotaryAngles(capacity: capacity, dimensions: $0.dimensions) }
        recomputedOutput = FloatBuffer(count: self.recomputedLayers > 0 ? capacity * c : 0)
    }

    /// How many of the first layers to recompute so that what a training step keeps — each layer's input,
    /// the kept layers' intermediates and the one shared by the recomputed layers — stays within
    /// `budget` bytes (0 when everything fits; every layer when even that does not).
    public static func recomputedLayers(within budget: Int, config: LlamaConfig, capacity: Int, probabilityCapacity: Int,
                                        adapted: Set<LoRATarget>?) -> Int {
        let inputs = (config.layers + 1) * capacity * config.dim * 4
        let perLayer = LayerActivations.keptBytes(config: config, tokens: capacity, probabilityCount: probabilityCapacity,
                                                  adapted: adapted)
        for k in 0...config.layers {
            let owned = config.layers - k + (k > 0 ? 1 : 0)
            if inputs + owned * perLayer <= budget { return k }
        }
        return config.layers
    }

    /// Activations of layer `l`: layers[0] for every recomputed layer, else the layer's own.
    public func layer(_ l: Int) -> LayerActivations {
        l < recomputedLayers ? layers[0] : layers[l - recomputedLayers + (recomputedLayers > 0 ? 1 : 0)]
    }

    /// Whether a backward pass must compute layer `l` again before reading its activations: a
    /// recomputed layer, except the last of them, whose forward values are still in the shared buffers.
    public func needsRecompute(_ l: Int) -> Bool { l < recomputedLayers - 1 }

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
