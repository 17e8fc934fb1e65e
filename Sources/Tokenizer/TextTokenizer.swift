import Foundation

/// A model's tokenizer, as llama.cpp applies it, for both vocabulary kinds GGUF files carry:
/// byte-level BPE (`tokenizer.ggml.model = gpt2`: SmolLM2, Llama 3, Qwen, Phi-4-mini) and SentencePiece
/// (`llama`: Llama 2, Phi-3, Gemma 3).
///
/// Encoding: BOS when the vocabulary asks for it; special tokens split out of the text first
/// (`SpecialTokenMatcher`); each text fragment between them encoded by `BytePairEncoder` or
/// `SentencePieceEncoder` (spaces written `▁`, and one put before a fragment that starts the text or
/// follows a special token when `addSpacePrefix`); EOS when asked for. Decoding: each token's piece
/// (`TokenPieces`), the first token's leading space dropped when `addSpacePrefix`.
/// Immutable after init, so safe to share between threads.
public final class TextTokenizer: @unchecked Sendable {
    /// `tokenizer.ggml.model`: "gpt2" or "llama".
    public let model: String
    public let bosID: Int?
    public let eosID: Int?
    public let padID: Int?
    public let unknownID: Int?
    public let addBOS: Bool
    public let addEOS: Bool
    public let addSpacePrefix: Bool
    /// The pre-tokenizer of a BPE vocabulary; nil for SentencePiece, which has none.
    public let preTokenizer: PreTokenizer?
    public let chatTemplateSource: String?
    /// Tokens that end generation whatever the chat format (llama.cpp's EOG set: EOS, and tokens spelled
    /// `<end_of_turn>`, `<|im_end|>`, `<|eot_id|>`, `<|end|>`, `<|endoftext|>`, `</s>` …), ascending.
    public let endOfGenerationIDs: [Int]

    private enum Encoder {
        case bytePairs(BytePairEncoder)
        case sentencePiece(SentencePieceEncoder)
    }
    private let encoder: Encoder
    private let index: TokenTextIndex
    private let attributes: [TokenAttributes]
    private let specialTokens: SpecialTokenMatcher
    private let pieces: TokenPieces
    private let hfNormalization: HFTextNormalization?

    public var vocabularySize: Int { index.count }

    public init(vocabulary: TokenizerVocabulary) throws {
        let size = vocabulary.tokens.count
        guard size > 0 else { throw TokenizerError.emptyVocabulary }
        guard vocabulary.tokenTypes.isEmpty || vocabulary.tokenTypes.count == size else {
            throw TokenizerError.tokenTypeCountMismatch(tokens: size, types: vocabulary.tokenTypes.count)
        }
        guard vocabulary.scores.isEmpty || vocabulary.scores.count == size else {
            throw TokenizerError.scoreCountMismatch(tokens: size, scores: vocabulary.scores.count)
        }
        for (key, id) in [("tokenizer.ggml.bos_token_id", vocabulary.bosID), ("tokenizer.ggml.eos_token_id", vocabulary.eosID),
                          ("tokenizer.ggml.padding_token_id", vocabulary.padID),
                          ("tokenizer.ggml.unknown_token_id", vocabulary.unknownID)] {
            if let id, !(0..<size).contains(id) {
                throw TokenizerError.specialTokenOutOfRange(key: key, id: id, vocabularySize: size)
            }
        }
        let index = TokenTextIndex(texts: vocabulary.tokens, count: size)
        let (attributes, endOfGeneration) = TokenAttributes.derive(for: vocabulary, index: index)
        switch vocabulary.model {
        case TokenizerVocabulary.bytePairModel:
            guard let preTokenizer = PreTokenizer(ggufName: vocabulary.pre) else {
                throw TokenizerError.unsupportedPreTokenizer(vocabulary.pre)
            }
            self.preTokenizer = preTokenizer
            encoder = .bytePairs(BytePairEncoder(vocabulary: vocabulary, index: index, preTokenizer: preTokenizer))
            pieces = TokenPieces(bytePairIndex: index, attributes: attributes)
        case TokenizerVocabulary.sentencePieceModel:
            preTokenizer = nil
            let scores = vocabulary.scores.isEmpty ? [Float](repeating: 0, count: size) : vocabulary.scores
            encoder = .sentencePiece(SentencePieceEncoder(index: index, scores: scores, unknownID: vocabulary.unknownID))
            pieces = try TokenPieces(sentencePieceIndex: index, attributes: attributes)
        default:
            throw TokenizerError.unsupportedModel(vocabulary.model)
        }
        model = vocabulary.model
        bosID = vocabulary.bosID
        eosID = vocabulary.eosID
        padID = vocabulary.padID
        unknownID = vocabulary.unknownID
        addBOS = vocabulary.addBOS
        addEOS = vocabulary.addEOS
        addSpacePrefix = vocabulary.model == TokenizerVocabulary.sentencePieceModel && vocabulary.addSpacePrefix
        chatTemplateSource = vocabulary.chatTemplate
        hfNormalization = vocabulary.hfNormalization
        endOfGenerationIDs = endOfGeneration
        self.index = index
        self.attributes = attributes
        specialTokens = SpecialTokenMatcher(index: index, attributes: attributes)
    }

    // MARK: - Encoding

    /// Token ids of `text`. With `parseSpecial`, control tokens written in the text (`<|im_start|>`,
    /// `<start_of_turn>`) become their ids; otherwise they are encoded as ordinary text (user-defined
    /// tokens are split out either way, as llama.cpp does). `addBOS` nil follows the model
    /// (`tokenizer.ggml.add_bos_token`); EOS is appended only when the model asks for it and
    /// `addBOS` is not false.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) -> [Int] {
        var ids: [Int] = []
        if addBOS ?? self.addBOS, let bosID { ids.append(bosID) }
        var utf8 = text
        utf8.withUTF8 { buffer in
            ids.reserveCapacity(ids.count + buffer.count / 3)
            var followsSpecial = true
            for segment in specialTokens.segments(buffer, parseSpecial: parseSpecial) {
                switch segment {
                case .special(let id):
                    ids.append(id)
                    followsSpecial = true
                case .text(let range):
                    let fragment = UnsafeBufferPointer(rebasing: buffer[range])
                    if let hfNormalization {
                        encodeHFFragment(fragment, hfNormalization, atStart: range.lowerBound == 0, into: &ids)
                    } else {
                        encodeFragment(fragment, spacePrefix: followsSpecial, into: &ids)
                    }
                    followsSpecial = false
                }
            }
        }
        if addEOS, addBOS != false, let eosID { ids.append(eosID) }
        return ids
    }

    private func encodeFragment(_ utf8: UnsafeBufferPointer<UInt8>, spacePrefix: Bool, alwaysPrefix: Bool = false,
                                into ids: inout [Int]) {
        switch encoder {
        case .bytePairs(let bytePairs):
            bytePairs.encode(utf8, into: &ids)
        case .sentencePiece(let sentencePiece):
            // Spaces are written as U+2581 (E2 96 81), as SentencePiece's vocabulary spells them.
            var escaped: [UInt8] = []
            escaped.reserveCapacity(utf8.count + utf8.count / 4 + 3)
            if spacePrefix && (addSpacePrefix || alwaysPrefix) { escaped += [0xE2, 0x96, 0x81] }
            for byte in utf8 {
                if byte == 0x20 { escaped += [0xE2, 0x96, 0x81] } else { escaped.append(byte) }
            }
            escaped.withUnsafeBufferPointer { sentencePiece.encode($0, into: &ids) }
        }
    }

    /// A fragment as HF tokenizers treats it: normalized, then `▁` put before it by the prepend scheme.
    private func encodeHFFragment(_ utf8: UnsafeBufferPointer<UInt8>, _ rules: HFTextNormalization, atStart: Bool,
                                  into ids: inout [Int]) {
        let bytes = rules.normalize(utf8) ?? Array(utf8)
        guard !bytes.isEmpty else { return }
        let shifted = rules.steps.contains(.stripSpaces) && utf8.first == 0x20
        let prefix = model == TokenizerVocabulary.sentencePieceModel && rules.prependsSpace(before: bytes, atStart: atStart && !shifted)
        bytes.withUnsafeBufferPointer { encodeFragment($0, spacePrefix: prefix, alwaysPrefix: true, into: &ids) }
    }

    // MARK: - Decoding

    /// The text of `ids`, as llama.cpp's `llama_detokenize` gives it (special tokens shown unless
    /// `skipSpecial`; with `addSpacePrefix`, the first token's leading space dropped); bytes that do
    /// not form valid UTF-8 become U+FFFD. Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for (position, id) in ids.enumerated() {
            appendBytes(of: id, skipSpecial: skipSpecial, first: position == 0, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes token `id` stands for (empty outside the vocabulary, or when skipped); `first`
    /// says it starts the decoded sequence, whose leading space SentencePiece's prefix put there.
    func appendBytes(of id: Int, skipSpecial: Bool, first: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, id < vocabularySize, !(skipSpecial && isSpecial(id)) else { return }
        var piece = pieces.bytes(of: id)
        if first, addSpacePrefix, piece.first == 0x20 { piece = piece.dropFirst() }
        bytes.append(contentsOf: piece)
    }

    /// The vocabulary entry of `id` as stored (`Ġthe`, `▁the`), or "" outside the vocabulary.
    public func tokenString(_ id: Int) -> String {
        guard id >= 0, id < vocabularySize else { return "" }
        return String(decoding: index.text(of: id), as: UTF8.self)
    }

    /// The id of a vocabulary entry spelled exactly `token` (`<|im_end|>`, `Ġthe`, `<start_of_turn>`).
    public func tokenID(_ token: String) -> Int? { index.id(token) }

    /// Control and unknown tokens (`<|im_start|>`, `<bos>`): parsed only when asked, skipped by
    /// `decode(_:skipSpecial: true)`.
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < vocabularySize && !attributes[id].isDisjoint(with: .parsedOnlyWhenAsked)
    }
}
