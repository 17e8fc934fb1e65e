/// What llama.cpp makes of each token (`llama_token_attr`): the GGUF token type, then its fixes by
/// text, which decide how text is split and decoded:
/// - tokens spelled like an end of turn (`<|eot_id|>`, `<end_of_turn>`, `<|im_end|>`, `</s>` …) and
///   the fill-in-the-middle markers become CONTROL even when the file says otherwise, and the former
///   end generation (`endOfGenerationIDs`, with EOS);
/// - a Phi-3 vocabulary (`general.name` contains "phi-3" or "phi3") strips the whitespace after its
///   special tokens (RSTRIP), as its `tokenizer_config.json` asks, except after `<unk>`, `<s>` and
///   `<|endoftext|>`.
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt16
    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)
    static let stripLeft = TokenAttributes(rawValue: 1 << 7)
    static let stripRight = TokenAttributes(rawValue: 1 << 8)

    /// Split out of text before BPE/SentencePiece (llama.cpp's special-token cache).
    static let special: TokenAttributes = [.control, .userDefined, .unknown]
    /// Split out only when parsing special tokens, and hidden by `decode(_:skipSpecial: true)`.
    static let parsedOnlyWhenAsked: TokenAttributes = [.control, .unknown]

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(type: TokenType) {
        switch type {
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        case .undefined: self = []
        }
    }

    /// Texts that end generation (llama.cpp's EOG list for the families Tollgate reads and their kin).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>",
        "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<｜end▁of▁sentence｜>",
    ]
    /// Fill-in-the-middle markers: CONTROL; the pad, repository and file-separator ones also end generation.
    static let fillInTheMiddleTexts: Set<String> = [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
    ]
    static let fillInTheMiddleEndTexts: Set<String> = [
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
        "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>",
    ]

    /// Attributes of every token of `vocabulary`, whose texts `index` holds, and the ids that end generation.
    static func derive(for vocabulary: TokenizerVocabulary, index: TokenTextIndex)
        -> (attributes: [TokenAttributes], endOfGeneration: [Int]) {
        let count = index.count
        var attributes = (0..<count).map { TokenAttributes(type: vocabulary.type(of: $0)) }
        var endOfGeneration = Set<Int>()
        // llama.cpp looks the texts up through `token_to_id`, where the last of duplicate texts wins.
        for text in endOfGenerationTexts.union(fillInTheMiddleEndTexts) {
            guard let id = index.id(text) else { continue }
            endOfGeneration.insert(id)
            attributes[id].insert(.control)
        }
        for text in fillInTheMiddleTexts {
            if let id = index.id(text) { attributes[id].insert(.control) }
        }
        for id in [vocabulary.eosID].compactMap({ $0 }) { endOfGeneration.insert(id) }

        if let name = vocabulary.modelName?.lowercased(), name.contains("phi-3") || name.contains("phi3") {
            for id in 0..<count where !attributes[id].isDisjoint(with: .special) {
                attributes[id].insert(.stripRight)
            }
            if let id = index.id("</s>") { attributes[id].insert(.stripRight) }
            for text in ["<unk>", "<s>", "<|endoftext|>"] {
                if let id = index.id(text) { attributes[id].remove(.stripRight) }
            }
        }
        return (attributes, endOfGeneration.sorted())
    }
}
