import Foundation

/// Byte-level BPE exactly like HF tokenizers for GGUF `tokenizer.ggml.model = gpt2`: special tokens
/// written in the text are split off first, the rest is pre-tokenized (`PreTokenizer`), each piece is
/// spelled in the byte-level alphabet and merged by rank (`BPEMerges`). Pieces are cached, so common
/// words cost one dictionary lookup. Safe to share between threads.
public final class TextTokenizer: @unchecked Sendable {
    public let vocabulary: TokenizerVocabulary
    public let bosID: Int?
    public let eosID: Int?
    public let padID: Int?
    public let addBOS: Bool
    public let preTokenizer: PreTokenizer

    private let tokenIDs: [String: Int]
    private let merges: BPEMerges
    private let specialTokens: SpecialTokenMatcher
    /// Token id of the one-byte token for each byte (−1 when the vocabulary lacks it).
    private let byteTokenIDs: [Int32]
    /// Raw bytes of every token, concatenated; token i is `tokenBytes[tokenOffsets[i]..<tokenOffsets[i+1]]`.
    private let tokenBytes: [UInt8]
    private let tokenOffsets: [Int32]
    private let special: [Bool]
    /// Llama 3 (llama.cpp's `ignore_merges`): a piece that is itself a token is not merged.
    private let piecesAreTokensFirst: Bool

    private let cacheLock = NSLock()
    private var cache: [String: [Int32]] = [:]
    private static let cacheLimit = 200_000
    private static let cachedPieceMaxBytes = 64

    public var vocabularySize: Int { vocabulary.tokens.count }
    public var chatTemplateSource: String? { vocabulary.chatTemplate }

    public init(vocabulary: TokenizerVocabulary) throws {
        guard vocabulary.model == "gpt2" else { throw TokenizerError.unsupportedModel(vocabulary.model) }
        guard let preTokenizer = PreTokenizer(ggufName: vocabulary.pre) else {
            throw TokenizerError.unsupportedPreTokenizer(vocabulary.pre)
        }
        let size = vocabulary.tokens.count
        guard size > 0 else { throw TokenizerError.emptyVocabulary }
        guard vocabulary.tokenTypes.isEmpty || vocabulary.tokenTypes.count == size else {
            throw TokenizerError.tokenTypeCountMismatch(tokens: size, types: vocabulary.tokenTypes.count)
        }
        for (key, id) in [("tokenizer.ggml.bos_token_id", vocabulary.bosID), ("tokenizer.ggml.eos_token_id", vocabulary.eosID),
                          ("tokenizer.ggml.padding_token_id", vocabulary.padID),
                          ("tokenizer.ggml.unknown_token_id", vocabulary.unknownID)] {
            if let id, !(0..<size).contains(id) {
                throw TokenizerError.specialTokenOutOfRange(key: key, id: id, vocabularySize: size)
            }
        }
        self.vocabulary = vocabulary
        self.preTokenizer = preTokenizer
        bosID = vocabulary.bosID
        eosID = vocabulary.eosID
        padID = vocabulary.padID
        addBOS = vocabulary.addBOS

        var tokenIDs: [String: Int] = [:]
        tokenIDs.reserveCapacity(size)
        for (id, token) in vocabulary.tokens.enumerated() where tokenIDs[token] == nil { tokenIDs[token] = id }
        self.tokenIDs = tokenIDs
        merges = BPEMerges(merges: vocabulary.merges, tokenIDs: tokenIDs)
        specialTokens = SpecialTokenMatcher(vocabulary: vocabulary)
        byteTokenIDs = ByteLevelAlphabet.characterForByte.map { Int32(tokenIDs[String($0)] ?? -1) }

        var bytes: [UInt8] = [], offsets: [Int32] = [0], special: [Bool] = []
        bytes.reserveCapacity(size * 8)
        for (id, token) in vocabulary.tokens.enumerated() {
            let type = vocabulary.type(of: id)
            // Control and user-defined tokens are literal text; normal tokens are in the byte alphabet.
            if type == .control || type == .userDefined {
                bytes.append(contentsOf: token.utf8)
            } else {
                bytes.append(contentsOf: ByteLevelAlphabet.decode(token))
            }
            offsets.append(Int32(bytes.count))
            special.append(type == .control)
        }
        tokenBytes = bytes
        tokenOffsets = offsets
        self.special = special
        piecesAreTokensFirst = preTokenizer == .llama3
    }

    // MARK: - Encoding

    /// Token ids of `text`. With `parseSpecial`, special tokens written in the text (`<|im_start|>`)
    /// become their ids; otherwise they are encoded as ordinary text. `addBOS` nil follows the model
    /// (`tokenizer.ggml.add_bos_token`); EOS is appended only when the model asks for it and
    /// `addBOS` is not false.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) -> [Int] {
        var ids: [Int] = []
        if addBOS ?? self.addBOS, let bosID { ids.append(bosID) }
        var utf8 = text
        utf8.withUTF8 { buffer in
            ids.reserveCapacity(ids.count + buffer.count / 4)
            if parseSpecial {
                for segment in specialTokens.segments(buffer) {
                    switch segment {
                    case .special(let id): ids.append(id)
                    case .text(let range): encodePlain(UnsafeBufferPointer(rebasing: buffer[range]), into: &ids)
                    }
                }
            } else {
                encodePlain(buffer, into: &ids)
            }
        }
        if vocabulary.addEOS, addBOS != false, let eosID { ids.append(eosID) }
        return ids
    }

    private func encodePlain(_ utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        for piece in preTokenizer.split(utf8) {
            let bytes = UnsafeBufferPointer(rebasing: utf8[piece])
            if bytes.count > Self.cachedPieceMaxBytes {
                for id in encodePiece(bytes) { ids.append(Int(id)) }
                continue
            }
            let key = String(decoding: bytes, as: UTF8.self)
            cacheLock.lock()
            let cached = cache[key]
            cacheLock.unlock()
            if let cached {
                for id in cached { ids.append(Int(id)) }
                continue
            }
            let pieceIDs = encodePiece(bytes)
            for id in pieceIDs { ids.append(Int(id)) }
            cacheLock.lock()
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = pieceIDs
            cacheLock.unlock()
        }
    }

    /// BPE for one piece; bytes the vocabulary cannot spell become the unknown token (or are dropped).
    private func encodePiece(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        if piecesAreTokensFirst, let id = tokenIDs[ByteLevelAlphabet.encode(bytes)] { return [Int32(id)] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        var missing = false
        for byte in bytes {
            let id = byteTokenIDs[Int(byte)]
            if id < 0 { missing = true }
            symbols.append(id)
        }
        if !missing { return merges.apply(symbols) }
        // Merge the spellable stretches separately; each unspellable byte becomes <unk>.
        var output: [Int32] = []
        var stretch: [Int32] = []
        for id in symbols {
            if id >= 0 { stretch.append(id); continue }
            output += merges.apply(stretch)
            stretch.removeAll()
            if let unknown = vocabulary.unknownID { output.append(Int32(unknown)) }
        }
        return output + merges.apply(stretch)
    }

    // MARK: - Decoding

    /// The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD. Ids outside the
    /// vocabulary are skipped. `decode(encode(s)) == s` for every string.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, skipSpecial: skipSpecial, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes token `id` stands for (empty outside the vocabulary, or when skipped).
    func appendBytes(of id: Int, skipSpecial: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, id < vocabularySize, !(skipSpecial && special[id]) else { return }
        bytes.append(contentsOf: tokenBytes[Int(tokenOffsets[id])..<Int(tokenOffsets[id + 1])])
    }

    /// The vocabulary entry of `id` as stored (byte-level alphabet: `Ġthe`), or "" outside the vocabulary.
    public func tokenString(_ id: Int) -> String {
        guard id >= 0, id < vocabularySize else { return "" }
        return vocabulary.tokens[id]
    }

    /// The id of a vocabulary entry spelled exactly `token` (`<|im_end|>`, `Ġthe`).
    public func tokenID(_ token: String) -> Int? { tokenIDs[token] }

    /// CONTROL tokens (`<|im_start|>`, `<|endoftext|>`): skipped by `decode(_:skipSpecial: true)`.
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < vocabularySize && special[id]
    }
}
