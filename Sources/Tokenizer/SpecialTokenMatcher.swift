/// Finds special tokens (GGUF types CONTROL and USER_DEFINED, e.g. `<|im_start|>`) written in text,
/// leftmost first and, among those starting at the same byte, longest first — as HF tokenizers'
/// added-token splitting does before pre-tokenization.
struct SpecialTokenMatcher {
    private struct Candidate { var bytes: [UInt8]; var id: Int }
    /// Candidates by first byte, longest first.
    private var candidatesByFirstByte: [[Candidate]] = Array(repeating: [], count: 256)

    init(vocabulary: TokenizerVocabulary) {
        for (id, text) in vocabulary.tokens.enumerated() where !text.isEmpty {
            let type = vocabulary.type(of: id)
            guard type == .control || type == .userDefined else { continue }
            let bytes = Array(text.utf8)
            candidatesByFirstByte[Int(bytes[0])].append(Candidate(bytes: bytes, id: id))
        }
        for index in 0..<256 {
            candidatesByFirstByte[index].sort { $0.bytes.count > $1.bytes.count }
        }
    }

    enum Segment { case text(Range<Int>), special(Int) }

    /// `utf8` cut into plain-text ranges and special token ids, in order.
    func segments(_ utf8: UnsafeBufferPointer<UInt8>) -> [Segment] {
        var segments: [Segment] = []
        var textStart = 0
        var index = 0
        let count = utf8.count
        while index < count {
            let candidates = candidatesByFirstByte[Int(utf8[index])]
            var matched: Candidate?
            for candidate in candidates where candidate.bytes.count <= count - index {
                var equal = true
                for k in 1..<candidate.bytes.count where utf8[index + k] != candidate.bytes[k] {
                    equal = false; break
                }
                if equal { matched = candidate; break }
            }
            if let matched {
                if textStart < index { segments.append(.text(textStart..<index)) }
                segments.append(.special(matched.id))
                index += matched.bytes.count
                textStart = index
            } else {
                index += 1
            }
        }
        if textStart < count { segments.append(.text(textStart..<count)) }
        return segments
    }
}
