import ModelIO

extension TokenizerVocabulary {
    /// Reads the `tokenizer.ggml.*` metadata and `tokenizer.chat_template` of a GGUF model.
    /// Errors name the file and the key.
    public init(gguf: GGUFFile) throws {
        do {
            try self.init(metadata: gguf.metadata)
        } catch let error as TokenizerError {
            throw TokenizerError.inFile(gguf.url.path, error)
        }
    }

    /// Defaults as llama.cpp's `llama_vocab::load` sets them before the file's keys override them:
    /// SentencePiece adds BOS (id 1, EOS 2, unknown 0) and a space prefix; BPE adds BOS only for the
    /// Llama 3 pre-tokenizer. A special-token id the file states must be inside the vocabulary.
    init(metadata: [String: GGUFValue]) throws {
        func required<T>(_ key: String, _ read: (GGUFValue) -> T?, _ expected: String) throws -> T {
            guard let value = metadata[key] else { throw TokenizerError.missingMetadata(key: key) }
            guard let typed = read(value) else { throw TokenizerError.wrongMetadataType(key: key, expected: expected) }
            return typed
        }
        func optional<T>(_ key: String, _ read: (GGUFValue) -> T?, _ expected: String) throws -> T? {
            guard metadata[key] != nil else { return nil }
            return try required(key, read, expected)
        }
        let model = try required("tokenizer.ggml.model", \.string, "a string")
        let sentencePiece = model == Self.sentencePieceModel
        guard sentencePiece || model == Self.bytePairModel else { throw TokenizerError.unsupportedModel(model) }
        let tokens = try required("tokenizer.ggml.tokens", \.stringArray, "an array of strings")
        let types = try optional("tokenizer.ggml.token_type", \.intArray, "an array of integers") ?? []
        let scores = try optional("tokenizer.ggml.scores", \.floatArray, "an array of numbers") ?? []
        let pre = try optional("tokenizer.ggml.pre", \.string, "a string") ?? "default"
        func defaultID(_ id: Int) -> Int? { sentencePiece && id < tokens.count ? id : nil }
        func specialID(_ key: String, default fallback: Int?) throws -> Int? {
            guard let value = try optional(key, \.int, "an integer") else { return fallback }
            return Self.tokenID(value)
        }
        self.init(
            tokens: tokens,
            tokenTypes: types.map { Int32(clamping: $0) },
            scores: scores.map { Float($0) },
            merges: sentencePiece ? [] : try required("tokenizer.ggml.merges", \.stringArray, "an array of strings"),
            model: model,
            pre: pre,
            bosID: try specialID("tokenizer.ggml.bos_token_id", default: defaultID(1)),
            eosID: try specialID("tokenizer.ggml.eos_token_id", default: defaultID(2)),
            padID: try specialID("tokenizer.ggml.padding_token_id", default: nil),
            unknownID: try specialID("tokenizer.ggml.unknown_token_id", default: defaultID(0)),
            addBOS: try optional("tokenizer.ggml.add_bos_token", \.bool, "a bool")
                ?? (sentencePiece || PreTokenizer(ggufName: pre) == .llama3),
            addEOS: try optional("tokenizer.ggml.add_eos_token", \.bool, "a bool") ?? false,
            addSpacePrefix: try optional("tokenizer.ggml.add_space_prefix", \.bool, "a bool") ?? sentencePiece,
            modelName: try optional("general.name", \.string, "a string"),
            chatTemplate: try optional("tokenizer.chat_template", \.string, "a string"))
        hfNormalization = try HFTextNormalization(metadata: metadata)
    }
}

extension TokenizerVocabulary {
    /// Some converters write −1 for "no such token".
    fileprivate static func tokenID(_ value: Int) -> Int? { value >= 0 ? value : nil }
}

extension TextTokenizer {
    /// The tokenizer of a GGUF model; errors name the file and the offending key.
    public convenience init(gguf: GGUFFile) throws {
        let vocabulary = try TokenizerVocabulary(gguf: gguf)
        do {
            try self.init(vocabulary: vocabulary)
        } catch let error as TokenizerError {
            throw TokenizerError.inFile(gguf.url.path, error)
        }
    }
}
