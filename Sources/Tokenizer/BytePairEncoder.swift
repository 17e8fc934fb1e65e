import Foundation

/// Byte-level BPE of one text fragment, as HF tokenizers and llama.cpp do it for GGUF
/// `tokenizer.ggml.model = gpt2`: the fragment is pre-tokenized (`PreTokenizer`), each piece is spelled
/// in the byte-level alphabet and merged by rank (`BPEMerges`). Pieces are cached, so common words
/// cost one dictionary lookup. Safe to share between threads.
final class BytePairEncoder: @unchecked Sendable {
    let preTokenizer: PreTokenizer
    /// The tokenizer's text index, read for the first id of a text (a `[String: Int]` of the same
    /// would add 2 MB for SmolLM2's 49,152 tokens).
    private let index: TokenTextIndex
    private let merges: BPEMerges
    private let unknownID: Int?
    /// Token id of the one-byte token for each byte (−1 when the vocabulary lacks it).
    private let byteTokenIDs: [Int32]
    /// Llama 3 (llama.cpp's `ignore_merges`): a piece that is itself a token is not merged.
    private let piecesAreTokensFirst: Bool

    private let cacheLock = NSLock()
    /// Keyed by the piece's bytes: Strings compare by canonical equivalence, so U+0341 would hit
    /// the entry of U+0301, whose bytes (and tokens) differ.
    private var cache: [[UInt8]: [Int32]] = [:]
    private static let cacheLimit = 200_000
    private static let cachedPieceMaxBytes = 64

    init(vocabulary: TokenizerVocabulary, index: TokenTextIndex, preTokenizer: PreTokenizer) {
        self.index = index
        self.preTokenizer = preTokenizer
        unknownID = vocabulary.unknownID
        merges = BPEMerges(merges: vocabulary.merges, tokenID: index.firstID)
        byteTokenIDs = ByteLevelAlphabet.characterForByte.map { Int32(index.firstID(String($0)) ?? -1) }
        piecesAreTokensFirst = preTokenizer == .llama3
    }

    /// Appends the ids of `utf8` (a fragment between special tokens) to `ids`.
    func encode(_ utf8: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        for piece in preTokenizer.split(utf8) {
            let bytes = UnsafeBufferPointer(rebasing: utf8[piece])
            if bytes.count > Self.cachedPieceMaxBytes {
                for id in encodePiece(bytes) { ids.append(Int(id)) }
                continue
            }
            let key = Array(bytes)
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
        if piecesAreTokensFirst, let id = index.firstID(ByteLevelAlphabet.encode(bytes)) { return [Int32(id)] }
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
            if let unknownID { output.append(Int32(unknownID)) }
        }
        return output + merges.apply(stretch)
    }
}
