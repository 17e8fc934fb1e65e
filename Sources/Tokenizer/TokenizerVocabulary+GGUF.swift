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
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
        let tokens = try required("tokenizer.ggml.tokens", \.stringArray, "an array of strings")
        let types = try optional("tokenizer.ggml.token_type", \.intArray, "an array of integers") ?? []
        self.init(
            tokens: tokens,
            tokenTypes: types.map { Int32(clamping: $0) },
            merges: try required("tokenizer.ggml.merges", \.stringArray, "an array of strings"),
            model: model,
            pre: try optional("tokenizer.ggml.pre", \.string, "a string") ?? "default",
            bosID: try optional("tokenizer.ggml.bos_token_id", \.int, "an integer").flatMap(Self.tokenID),
            eosID: try optional("tokenizer.ggml.eos_token_id", \.int, "an integer").flatMap(Self.tokenID),
            padID: try optional("tokenizer.ggml.padding_token_id", \.int, "an integer").flatMap(Self.tokenID),
            unknownID: try optional("tokenizer.ggml.unknown_token_id", \.int, "an integer").flatMap(Self.tokenID),
            addBOS: try optional("tokenizer.ggml.add_bos_token", \.bool, "a bool") ?? false,
            addEOS: try optional("tokenizer.ggml.add_eos_token", \.bool, "a bool") ?? false,
            chatTemplate: try optional("tokenizer.chat_template", \.string, "a string"))
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
