/// sacrebleu's default `13a` tokenizer, equivalent to mteval-v13a as used by WMT: drop `<skipped>`,
/// join hyphenated line breaks, unescape four XML entities, then split off punctuation.
public struct Tokenizer13a: BLEUTokenizer {
    public init() {}
    public var signatureName: String { "13a" }

    private static let skipped = Array("<skipped>".unicodeScalars.map(\.value))
    private static let hyphenNewline: [UInt32] = [0x2D, 0x0A]
    private static let newline: [UInt32] = [0x0A]
    private static let entities: [([UInt32], [UInt32])] = [
        ("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"),
    ].map { (Array($0.0.unicodeScalars.map(\.value)), Array($0.1.unicodeScalars.map(\.value))) }

    public func tokenize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        // One scan decides which of the replacements can apply at all.
        var hasLess = false, hasNewline = false, hasAmpersand = false
        for c in text where c == 0x3C || c == 0x0A || c == 0x26 {
            if c == 0x3C { hasLess = true } else if c == 0x0A { hasNewline = true } else { hasAmpersand = true }
        }
        if hasLess { replaceAll(&text, Self.skipped, with: [], scratch: &scratch) }
        if hasNewline {
            replaceAll(&text, Self.hyphenNewline, with: [], scratch: &scratch)
            replaceAll(&text, Self.newline, with: [0x20], scratch: &scratch)
        }
        if hasAmpersand {
            for (entity, character) in Self.entities {
                replaceAll(&text, entity, with: character, scratch: &scratch)
            }
        }
        // mteval pads the line with a space on each side before the punctuation rules, which
        // decides whether a final period after a digit is split off.
        text.insert(0x20, at: 0)
        text.append(0x20)
        MtevalPunctuation.apply(&text)
    }
}
