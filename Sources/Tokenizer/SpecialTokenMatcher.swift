/// Splits special tokens out of text before BPE or SentencePiece sees it, with llama.cpp's rules
/// (`tokenizer_st_partition`): the longest special token is taken first, over the whole text, each
/// token's occurrences leftmost first; user-defined tokens (Gemma's `<table>`, runs of spaces and line
/// breaks) always, control and unknown tokens (`<|im_start|>`, `<start_of_turn>`) only when parsing
/// special tokens. A token that strips whitespace (Phi-3's) swallows the whitespace beside it.
///
/// Instead of searching the text once per special token (Gemma has 6,414), it finds every occurrence
/// in one pass, hashing only the lengths special tokens starting with that byte have, then accepts
/// them in llama.cpp's order; the outcome is the same.
struct SpecialTokenMatcher: Sendable {
    /// Special token ids, longest text first (ties by id); `texts` holds their texts in this order.
    private let ids: [Int32]
    private let texts: TokenTextIndex
    private let attributes: [TokenAttributes]
    /// The text lengths of the special tokens starting with each byte, for the lookups at a position.
    private let lengthsByFirstByte: [[Int]]
    /// Whether some special token starts with the byte pair `first << 8 | second`: at most positions
    /// (a space before a letter, `<` before a digit) this rules out every longer token without hashing.
    private let startsWithPair: [Bool]

    init(index: TokenTextIndex, attributes: [TokenAttributes]) {
        var ids = (0..<index.count).filter {
            !attributes[$0].isDisjoint(with: .special) && index.length(of: $0) > 0
        }
        ids.sort { index.length(of: $0) != index.length(of: $1) ? index.length(of: $0) > index.length(of: $1) : $0 < $1 }
        self.ids = ids.map { Int32($0) }
        texts = TokenTextIndex(texts: ids.map { String(decoding: index.text(of: $0), as: UTF8.self) }, count: ids.count)
        var lengths = [Set<Int>](repeating: [], count: 256)
        for id in ids { lengths[Int(index.text(of: id).first!)].insert(index.length(of: id)) }
        lengthsByFirstByte = lengths.map { $0.sorted(by: >) }
        var pairs = [Bool](repeating: false, count: 1 << 16)
        for id in ids where index.length(of: id) >= 2 {
            let text = index.text(of: id)
            pairs[Int(text[text.startIndex]) << 8 | Int(text[text.startIndex + 1])] = true
        }
        startsWithPair = pairs
        self.attributes = ids.map { attributes[$0] }
    }

    enum Segment: Equatable { case text(Range<Int>), special(Int) }

    /// `utf8` cut into plain-text ranges and special token ids, in order. Whitespace a token strips
    /// is in neither.
    func segments(_ utf8: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Segment] {
        let count = utf8.count
        guard count > 0 else { return [] }
        guard let base = utf8.baseAddress, !ids.isEmpty else { return [.text(0..<count)] }

        // Every occurrence of an allowed special token: (rank = position in `ids`, start).
        var occurrences: [(rank: Int32, start: Int32)] = []
        for start in 0..<count {
            let lengths = lengthsByFirstByte[Int(utf8[start])]
            if lengths.isEmpty { continue }
            let pairStartsAToken = start + 1 < count && startsWithPair[Int(utf8[start]) << 8 | Int(utf8[start + 1])]
            for length in lengths where length <= count - start && (length == 1 || pairStartsAToken) {
                let rank = texts.id(base + start, length)
                guard rank >= 0 else { continue }
                if !parseSpecial, !attributes[Int(rank)].isDisjoint(with: .parsedOnlyWhenAsked) { continue }
                occurrences.append((rank, Int32(start)))
            }
        }
        guard !occurrences.isEmpty else { return [.text(0..<count)] }
        occurrences.sort { $0.rank != $1.rank ? $0.rank < $1.rank : $0.start < $1.start }

        // Accept in llama.cpp's order: an occurrence that overlaps an accepted one (or stripped
        // whitespace) lies across fragments llama.cpp has already cut, so it never matches there.
        var taken = [Bool](repeating: false, count: count)
        var tokenAt = [Int32](repeating: -1, count: count)
        for (rank, start32) in occurrences {
            let start = Int(start32), end = start + texts.length(of: Int(rank))
            if taken[start..<end].contains(true) { continue }
            for k in start..<end { taken[k] = true }
            tokenAt[start] = ids[Int(rank)]
            let attribute = attributes[Int(rank)]
            if attribute.contains(.stripLeft) {
                var k = start - 1
                while k >= 0, !taken[k], Self.isSpace(utf8[k]) { taken[k] = true; k -= 1 }
            }
            if attribute.contains(.stripRight) {
                var k = end
                while k < count, !taken[k], Self.isSpace(utf8[k]) { taken[k] = true; k += 1 }
            }
        }

        var segments: [Segment] = []
        var textStart = -1
        for position in 0..<count {
            if !taken[position] {
                if textStart < 0 { textStart = position }
                continue
            }
            if textStart >= 0 { segments.append(.text(textStart..<position)); textStart = -1 }
            if tokenAt[position] >= 0 { segments.append(.special(Int(tokenAt[position]))) }
        }
        if textStart >= 0 { segments.append(.text(textStart..<count)) }
        return segments
    }

    /// C's `isspace` in the "C" locale, which llama.cpp's stripping uses.
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
