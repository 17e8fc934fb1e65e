/// Turns generated token ids into text as they arrive. A token may end in the middle of a UTF-8
/// character (emoji and CJK are often split over two or three tokens); those bytes are held back
/// until the character is complete, so no chunk ever shows a half character as U+FFFD.
/// The chunks returned by `append` and `finish`, joined, equal `tokenizer.decode(ids)`.
public struct StreamingDecoder {
    private let tokenizer: TextTokenizer
    private let skipSpecial: Bool
    private var pending: [UInt8] = []
    private var started = false
    /// All text completed so far (the chunks returned until now, joined).
    public private(set) var text: String = ""

    public init(tokenizer: TextTokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Adds one token; returns the text it completed (possibly "" while a character is unfinished).
    public mutating func append(_ id: Int) -> String {
        tokenizer.appendBytes(of: id, skipSpecial: skipSpecial, first: !started, to: &pending)
        started = true
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let chunk = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        text += chunk
        return chunk
    }

    /// Flushes bytes still held back (an unfinished character becomes U+FFFD) and returns them.
    public mutating func finish() -> String {
        guard !pending.isEmpty else { return "" }
        let chunk = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        text += chunk
        return chunk
    }

    /// Length of the longest prefix that does not end inside a possibly valid, unfinished UTF-8
    /// sequence. Invalid bytes are not held back: they decode to U+FFFD as in `decode`.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var start = count
        // Walk back over at most three continuation bytes to the lead byte of the last sequence.
        while start > 0, count - start < 3, bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
        guard start > 0 else { return count }
        let lead = bytes[start - 1]
        let expected: Int
        switch lead {
        case 0xC2...0xDF: expected = 2
        case 0xE0...0xEF: expected = 3
        case 0xF0...0xF4: expected = 4
        default: return count  // ASCII, a stray continuation byte or an invalid lead: nothing to wait for
        }
        return count - (start - 1) < expected ? start - 1 : count
    }
}
