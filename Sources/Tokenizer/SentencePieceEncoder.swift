/// SentencePiece (BPE model) encoding of one text fragment, as llama.cpp's `llm_tokenizer_spm` does it
/// for GGUF `tokenizer.ggml.model = llama` (Llama 2, Phi-3, Gemma 3).
///
/// The fragment (spaces already written `▁`) starts as one symbol per UTF-8 character. Every adjacent
/// pair whose concatenation is a vocabulary entry is a candidate scored by that entry's score; the
/// best candidate (highest score, leftmost on ties) is merged and its new neighbours become candidates,
/// until none is left. A final symbol that is not a token — a character outside the vocabulary — is
/// spelled with byte tokens (`<0xE2>` …: byte fallback), or the unknown token when there are none.
/// (llama.cpp's `rev_merge` re-segmentation never applies: merged symbols are tokens by construction.)
struct SentencePieceEncoder: Sendable {
    private let index: TokenTextIndex
    private let scores: [Float]
    /// Token of each byte value: `<0xXX>`, else the one-byte text, else the unknown token, else −1.
    private let byteTokenIDs: [Int32]

    init(index: TokenTextIndex, scores: [Float], unknownID: Int?) {
        self.index = index
        self.scores = scores
        byteTokenIDs = (0..<256).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            let name = "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            if let id = index.id(name) { return Int32(id) }
            if let id = index.id(String(decoding: [UInt8(byte)], as: UTF8.self)), byte < 0x80 { return Int32(id) }
            return Int32(unknownID ?? -1)
        }
    }

    /// A merge candidate: symbols `left` and `right`, whose texts add up to `length` bytes.
    private struct Candidate: HeapOrdered {
        var score: Float
        var left: Int32
        var right: Int32
        var length: Int32

        /// Heap order: higher score first, then the leftmost.
        func precedes(_ other: Candidate) -> Bool {
            score != other.score ? score > other.score : left < other.left
        }
    }

    /// Appends the ids of `text` (UTF-8, spaces as `▁`) to `ids`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int]) {
        guard let base = text.baseAddress, text.count > 0 else { return }
        // Symbols as four parallel arrays in one allocation: byte start, byte length (0 once merged
        // away), previous and next symbol (−1 for none). Plain pointers keep the loop free of
        // copy-on-write and exclusivity checks.
        let storage = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * text.count)
        defer { storage.deallocate() }
        let start = storage, length = storage + text.count
        let previous = storage + 2 * text.count, next = storage + 3 * text.count
        var count = 0
        var offset = 0
        while offset < text.count {
            let characterLength = min(Self.utf8Length(lead: text[offset]), text.count - offset)
            start[count] = Int32(offset)
            length[count] = Int32(characterLength)
            previous[count] = Int32(count - 1)
            next[count] = Int32(count + 1)
            count += 1
            offset += characterLength
        }
        next[count - 1] = -1

        func consider(_ left: Int32, _ right: Int32, _ heap: inout BinaryHeap<Candidate>) {
            guard left >= 0, right >= 0 else { return }
            let pairLength = Int(length[Int(left)] + length[Int(right)])
            let id = index.id(base + Int(start[Int(left)]), pairLength)
            guard id >= 0 else { return }
            heap.push(Candidate(score: scores[Int(id)], left: left, right: right, length: Int32(pairLength)))
        }
        var heap = BinaryHeap<Candidate>()
        heap.reserve(count)
        for symbol in 1..<max(count, 1) { consider(Int32(symbol - 1), Int32(symbol), &heap) }

        while let best = heap.pop() {
            let left = Int(best.left), right = Int(best.right)
            // Stale: one side was merged away, or grew since the candidate was made.
            guard length[left] > 0, length[right] > 0, length[left] + length[right] == best.length else { continue }
            length[left] += length[right]
            length[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(left) }
            consider(previous[left], Int32(left), &heap)
            consider(Int32(left), next[left], &heap)
        }

        var symbol = 0
        while symbol >= 0 {
            let id = index.id(base + Int(start[symbol]), Int(length[symbol]))
            if id >= 0 {
                ids.append(Int(id))
            } else {
                for k in Int(start[symbol])..<Int(start[symbol] + length[symbol]) {
                    let byteID = byteTokenIDs[Int(text[k])]
                    if byteID >= 0 { ids.append(Int(byteID)) }
                }
            }
            symbol = Int(next[symbol])
        }
    }

    /// Bytes of the UTF-8 sequence a lead byte starts (llama.cpp's `unicode_len_utf8`; a stray
    /// continuation byte counts as one).
    private static func utf8Length(lead: UInt8) -> Int {
        switch lead >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }
}
