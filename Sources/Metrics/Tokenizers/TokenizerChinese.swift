/// sacrebleu's `zh` tokenizer: strip, put spaces around every Chinese character, then apply the
/// mteval punctuation rules (without 13a's entity handling and padding).
public struct TokenizerChinese: BLEUTokenizer {
    public init() {}
    public var signatureName: String { "zh" }

    /// The code point ranges sacrebleu treats as Chinese. Two of its table's entries are written
    /// with five hex digits after `\u`, which Python reads as a four-digit escape followed by a
    /// digit; compared as strings they become U+2001...U+2A6D and U+2F81...U+2FA1, and those
    /// ranges (general punctuation such as — and “ included) are what its scores reflect.
    static let ranges: [ClosedRange<UInt32>] = [
        0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A,
        0xFA70...0xFAD9, 0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF,
        0x3000...0x303F, 0x31C0...0x31EF, 0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F,
        0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F, 0x2600...0x26FF, 0x2700...0x27BF,
        0x3200...0x32FF, 0x3300...0x33FF,
    ]

    @inline(__always)
    static func isChinese(_ c: UInt32) -> Bool {
        if c < 0x2001 { return false }
        for range in ranges where range.contains(c) { return true }
        return false
    }

    public func tokenize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        PythonText.strip(&text)
        padCharacters(&text, where: Self.isChinese)
        MtevalPunctuation.apply(&text)
    }
}
