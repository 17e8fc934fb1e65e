/// Everything a tokenizer needs, as plain values: read from a GGUF file's `tokenizer.ggml.*`
/// metadata (see `TokenizerVocabulary+GGUF.swift`) or built by hand in tests.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// Token texts indexed by id: in the byte-level alphabet (`Ġ` for a space) for "gpt2", with `▁`
    /// for a space for "llama" (SentencePiece); control and user-defined tokens as literal text.
    public var tokens: [String]
    /// GGUF token types, one per token (see `TokenType`); empty means all normal.
    public var tokenTypes: [Int32]
    /// SentencePiece scores, one per token (higher merges first); empty means all 0.
    public var scores: [Float]
    /// BPE merge rules "left right", highest priority first ("gpt2" only).
    public var merges: [String]
    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE) or "llama" (SentencePiece).
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer rules of a BPE vocabulary ("smollm", "llama-bpe", ...).
    public var pre: String
    public var bosID: Int?
    public var eosID: Int?
    public var padID: Int?
    public var unknownID: Int?
    /// Whether encoding adds BOS / EOS by default (`tokenizer.ggml.add_bos_token` / `add_eos_token`).
    public var addBOS: Bool
    public var addEOS: Bool
    /// SentencePiece: a space is put before text that starts the input or follows a special token
    /// (`tokenizer.ggml.add_space_prefix`; true unless the file says otherwise, false for Gemma),
    /// and decoding drops the leading space of the first token.
    public var addSpacePrefix: Bool
    /// `general.name`: llama.cpp keys a few per-model token rules on it (Phi-3's whitespace stripping).
    public var modelName: String?
    /// The model's Jinja chat template source (`tokenizer.chat_template`), if any.
    public var chatTemplate: String?
    /// A Hugging Face `tokenizer.json`'s normalizers and prepend scheme; nil for a GGUF (llama.cpp's rules).
    public var hfNormalization: HFTextNormalization?

    public init(tokens: [String], tokenTypes: [Int32] = [], scores: [Float] = [], merges: [String] = [],
                model: String = "gpt2", pre: String = "gpt2", bosID: Int? = nil, eosID: Int? = nil,
                padID: Int? = nil, unknownID: Int? = nil, addBOS: Bool = false, addEOS: Bool = false,
                addSpacePrefix: Bool? = nil, modelName: String? = nil, chatTemplate: String? = nil) {
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.model = model
        self.pre = pre
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix ?? (model == Self.sentencePieceModel)
        self.modelName = modelName
        self.chatTemplate = chatTemplate
    }

    /// `tokenizer.ggml.model` of byte-level BPE and of SentencePiece vocabularies.
    public static let bytePairModel = "gpt2"
    public static let sentencePieceModel = "llama"

    /// The token type of `id`, normal when the vocabulary carries no types.
    func type(of id: Int) -> TokenType {
        guard id >= 0, id < tokenTypes.count else { return .normal }
        return TokenType(rawValue: tokenTypes[id]) ?? .undefined
    }
}

/// GGUF `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}
