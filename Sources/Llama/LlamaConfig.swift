import Foundation

/// Dimensions of a Llama-architecture model. Legend used in shape comments across the module:
/// B batch, T sequence length, N tokens in a forward call, C `dim`, F `hiddenDim`, V `vocabSize`,
/// L `layers`, NH `heads`, KVH `kvHeads`, HD `headDim`.
public struct LlamaConfig: Sendable, Codable, Equatable {
    public var vocabSize: Int
    public var dim: Int
    public var hiddenDim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var ropeBase: Float
    public var rmsEps: Float
    public var contextLength: Int
    /// The LM head reuses the token embedding (no separate `output.weight`).
    public var tiedEmbeddings: Bool

    public init(vocabSize: Int, dim: Int, hiddenDim: Int, layers: Int, heads: Int, kvHeads: Int,
                ropeBase: Float, rmsEps: Float, contextLength: Int, tiedEmbeddings: Bool) {
        self.vocabSize = vocabSize
        self.dim = dim
        self.hiddenDim = hiddenDim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.ropeBase = ropeBase
        self.rmsEps = rmsEps
        self.contextLength = contextLength
        self.tiedEmbeddings = tiedEmbeddings
    }

    public var headDim: Int { dim / heads }
    /// Width of the key and value projections, KVH · HD.
    public var kvDim: Int { kvHeads * headDim }

    /// Parameters that take part in a matrix product for one token: every projection plus the LM head.
    public var matmulParameters: Int {
        let perLayer = dim * dim * 2 + dim * kvDim * 2 + dim * hiddenDim * 3
        return layers * perLayer + vocabSize * dim
    }

    /// All parameters (embedding counted once when tied).
    public var parameterCount: Int {
        let norms = layers * 2 * dim + dim
        return matmulParameters + norms + (tiedEmbeddings ? 0 : vocabSize * dim)
    }

    /// Checks that the dimensions describe a model the forward pass can run.
    public func validate(source: String) throws {
        func fail(_ reason: String) -> LlamaError { .invalidConfig(source: source, reason: reason) }
        guard vocabSize > 0, dim > 0, hiddenDim > 0, layers > 0, heads > 0, kvHeads > 0 else {
            throw fail("every dimension must be positive (vocab \(vocabSize), dim \(dim), ffn \(hiddenDim), layers \(layers), heads \(heads), kv heads \(kvHeads))")
        }
        guard dim % heads == 0, headDim % 2 == 0 else {
            throw fail("embedding length \(dim) must split into \(heads) heads of even width")
        }
        guard heads % kvHeads == 0 else {
            throw fail("head count \(heads) must be a multiple of the KV head count \(kvHeads)")
        }
        guard rmsEps > 0, ropeBase > 0 else { throw fail("RMS epsilon and RoPE base must be positive") }
    }
}
