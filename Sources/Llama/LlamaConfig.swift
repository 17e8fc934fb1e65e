import Foundation

/// Dimensions of a decoder-only transformer of one of the supported families, and the family's
/// description (`ModelFamily`). Legend used in shape comments across the module: B batch, T sequence
/// length, N tokens in a forward call, C `dim`, F `hiddenDim`, V `vocabSize`, L `layers`, NH `heads`,
/// KVH `kvHeads`, HD `headDim`, Q `qDim` (NH·HD, which is C except in Qwen3 and Gemma 3).
public struct LlamaConfig: Sendable, Codable, Equatable {
    public var vocabSize: Int
    public var dim: Int
    public var hiddenDim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    /// Width of one attention head (`attention.key_length`; C / NH when the file does not say).
    public var headDim: Int
    /// The base of the first rotary table (the global layers').
    public var ropeBase: Float
    public var rmsEps: Float
    public var contextLength: Int
    /// The LM head reuses the token embedding (no separate `output.weight`).
    public var tiedEmbeddings: Bool
    public var family: ModelFamily

    /// A plain Llama unless `family` says otherwise; `headDim` defaults to C / NH.
    public init(vocabSize: Int, dim: Int, hiddenDim: Int, layers: Int, heads: Int, kvHeads: Int,
                ropeBase: Float, rmsEps: Float, contextLength: Int, tiedEmbeddings: Bool,
                headDim: Int? = nil, family: ModelFamily? = nil) {
        self.vocabSize = vocabSize
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        let headDim = headDim ?? (heads > 0 ? dim / heads : 0)
        self.headDim = headDim
        self.ropeBase = ropeBase
        self.rmsEps = rmsEps
        self.contextLength = contextLength
        self.tiedEmbeddings = tiedEmbeddings
        self.family = family ?? .llama(layers: layers, headDim: headDim, ropeBase: ropeBase)
    }

    /// Width of the query projection and of the attention output, NH · HD.
    public var qDim: Int { heads * headDim }
    /// Width of the key and value projections, KVH · HD.
    public var kvDim: Int { kvHeads * headDim }

    /// Parameters that take part in a matrix product for one token: every projection plus the LM head.
    public var matmulParameters: Int {
        let perLayer = dim * qDim * 2 + dim * kvDim * 2 + dim * hiddenDim * 3
        return layers * perLayer + vocabSize * dim
    }

    /// All parameters (embedding counted once when tied).
    public var parameterCount: Int {
        let norms = layers * (family.postNorms ? 4 : 2) * dim + dim + (family.qkNorm ? layers * 2 * headDim : 0)
        return matmulParameters + norms + (tiedEmbeddings ? 0 : vocabSize * dim)
    }

    /// Checks that the dimensions describe a model the forward pass can run.
    public func validate(source: String) throws {
        func fail(_ reason: String) -> LlamaError { .invalidConfig(source: source, reason: reason) }
        guard vocabSize > 0, dim > 0, hiddenDim > 0, layers > 0, heads > 0, kvHeads > 0, headDim > 0 else {
            throw fail("every dimension must be positive (vocab \(vocabSize), dim \(dim), ffn \(hiddenDim), layers \(layers), heads \(heads), kv heads \(kvHeads), head width \(headDim))")
        }
        guard headDim % 2 == 0, family.attributes(headDim: headDim) == nil else {
            throw fail(family.attributes(headDim: headDim) ?? "head width \(headDim) must be even")
        }
        guard heads % kvHeads == 0 else {
            throw fail("head count \(heads) must be a multiple of the KV head count \(kvHeads)")
        }
        guard rmsEps > 0, ropeBase > 0 else { throw fail("RMS epsilon and RoPE base must be positive") }
        guard family.layers.count == layers else {
            throw fail("\(family.layers.count) layer descriptions for \(layers) layers")
        }
        // Every value below sizes a buffer: keep it within what a 64-bit product can hold.
        let limit = 1 << 24
        guard [vocabSize, dim, hiddenDim, layers, heads, kvHeads, headDim].allSatisfy({ $0 < limit }) else {
            throw fail("a dimension is implausibly large (over \(limit))")
        }
    }
}

extension ModelFamily {
    /// Why the rotary tables and layer descriptions do not fit heads of width `headDim`; nil when they do.
    func attributes(headDim: Int) -> String? {
        for table in rope {
            guard table.dimensions > 0, table.dimensions % 2 == 0, table.dimensions <= headDim else {
                return "rotary dimensions \(table.dimensions) must be even and at most the head width \(headDim)"
            }
            if let factors = table.factors, factors.count != table.dimensions / 2 || factors.contains(where: { !($0 > 0) }) {
                return "rotary factors must be \(table.dimensions / 2) positive numbers, found \(factors.count)"
            }
            guard table.base > 0, table.linearScale > 0, table.attentionFactor > 0 else {
                return "rotary base, scale and attention factor must be positive"
            }
        }
        for layer in layers {
            if let index = layer.rope, !rope.indices.contains(index) { return "a layer names rotary table \(index) of \(rope.count)" }
            if let window = layer.window, window < 1 { return "sliding window \(window) must be at least 1" }
        }
        return nil
    }
}
