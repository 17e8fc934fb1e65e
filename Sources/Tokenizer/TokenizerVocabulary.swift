/// Everything a byte-level BPE tokenizer needs, as plain values: read from a GGUF file's
/// `tokenizer.ggml.*` metadata (see `TokenizerVocabulary+GGUF.swift`) or built by hand in tests.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// Token texts in the byte-level alphabet (`Ġ` for a space), indexed by id.
    public var tokens: [String]
    /// GGUF token types, one per token (see `TokenType`); empty means all normal.
    public var tokenTypes: [Int32]
    /// Merge rules "left right", highest priority first.
    public var merges: [String]
    /// `tokenizer.ggml.model`; only "gpt2" (byte-level BPE) is supported.
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer rules ("smollm", "gpt2", "llama-bpe", ...).
    public var pre: String
    public var bosID: Int?
    public var eosID: Int?
    public var padID: Int?
    public var unknownID: Int?
    /// Whether encoding adds BOS / EOS by default (`tokenizer.ggml.add_bos_token` / `add_eos_token`).
    public var addBOS: Bool
    public var addEOS: Bool
    /// The model's Jinja chat template source (`tokenizer.chat_template`), if any.
    public var chatTemplate: String?

    public init(tokens: [String], tokenTypes: [Int32] = [], merges: [String], model: String = "gpt2",
                pre: String = "gpt2", bosID: Int? = nil, eosID: Int? = nil, padID: Int? = nil,
                unknownID: Int? = nil, addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil) {
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.model = model
        self.pre = pre
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate
    }

    /// The token type of `id`, normal when the vocabulary carries no types.
    func type(of id: Int) -> TokenType {
        guard id >= 0, id < tokenTypes.count else { return .normal }
        return TokenType(rawValue: tokenTypes[id]) ?? .normal
    }
}

/// GGUF `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}
