/// Python 3 `str` semantics on Unicode scalar values (`[UInt32]`), the unit sacrebleu and the SQuAD
/// script work in. Swift's `Character` is a grapheme cluster and `String ==` uses canonical
/// equivalence; both would disagree with the reference scores, so metrics never use them.
enum PythonText {
    /// `str.isspace()`: the characters `str.split()`, `strip()` and `rstrip()` treat as whitespace.
    @inline(__always)
    static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    @inline(__always)
    static func isASCIIDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The scalars of `text` into `output` (replacing its contents), decoded straight from UTF-8.
    static func scalars(of text: String, into output: inout [UInt32]) {
        var text = text
        let byteCount = text.utf8.count
        output = text.withUTF8 { bytes in
            Array(unsafeUninitializedCapacity: byteCount) { out, written in
                var index = 0, length = 0
                while index < byteCount {
                    let lead = UInt32(bytes[index])
                    if lead < 0x80 {
                        out[length] = lead
                        index += 1
                    } else if lead < 0xE0 {
                        out[length] = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                        index += 2
                    } else if lead < 0xF0 {
                        out[length] = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6
                            | UInt32(bytes[index + 2] & 0x3F)
                        index += 3
                    } else {
                        out[length] = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                        index += 4
                    }
                    length += 1
                }
                written = length
            }
        }
    }

    static func scalars(of text: String) -> [UInt32] {
        var output: [UInt32] = []
        output.reserveCapacity(text.utf8.count)
        scalars(of: text, into: &output)
        return output
    }

    /// `str.rstrip()`.
    static func rstrip(_ text: inout [UInt32]) {
        while let last = text.last, isSpace(last) { text.removeLast() }
    }

    /// `str.strip()`.
    static func strip(_ text: inout [UInt32]) {
        rstrip(&text)
        var start = 0
        while start < text.count, isSpace(text[start]) { start += 1 }
        if start > 0 { text.removeFirst(start) }
    }

    /// `str.split()`: calls `body(start, end)` for every maximal run of non-whitespace scalars.
    @inline(__always)
    static func forEachWord(in text: [UInt32], _ body: (Int, Int) -> Void) {
        text.withUnsafeBufferPointer { forEachWord(in: $0, body) }
    }

    @inline(__always)
    static func forEachWord(in text: UnsafeBufferPointer<UInt32>, _ body: (Int, Int) -> Void) {
        var index = 0
        let count = text.count
        while index < count {
            while index < count, isSpace(text[index]) { index += 1 }
            if index == count { break }
            let start = index
            while index < count, !isSpace(text[index]) { index += 1 }
            body(start, index)
        }
    }

    /// `str.lower()`: full Unicode lower-case mapping, including Greek final sigma in context.
    static func lower(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if text.allSatisfy({ $0 < 0x80 }) {
            for index in text.indices where text[index] >= 0x41 && text[index] <= 0x5A { text[index] += 0x20 }
            return
        }
        scratch.removeAll(keepingCapacity: true)
        for index in text.indices {
            let c = text[index]
            if c >= 0x41 && c <= 0x5A {
                scratch.append(c + 0x20)
            } else if c < 0x80 {
                scratch.append(c)
            } else if c == 0x3A3 {
                scratch.append(isFinalSigma(text, at: index) ? 0x3C2 : 0x3C3)
            } else if let scalar = Unicode.Scalar(c) {
                for mapped in scalar.properties.lowercaseMapping.unicodeScalars { scratch.append(mapped.value) }
            } else {
                scratch.append(c)
            }
        }
        swap(&text, &scratch)
    }

    /// Unicode's Final_Sigma condition as CPython tests it: a cased letter before (skipping
    /// case-ignorable characters) and none after.
    private static func isFinalSigma(_ text: [UInt32], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, properties(text[before])?.isCaseIgnorable == true { before -= 1 }
        guard before >= 0, properties(text[before])?.isCased == true else { return false }
        var after = index + 1
        while after < text.count, properties(text[after])?.isCaseIgnorable == true { after += 1 }
        return after == text.count || properties(text[after])?.isCased != true
    }

    @inline(__always)
    private static func properties(_ c: UInt32) -> Unicode.Scalar.Properties? {
        Unicode.Scalar(c)?.properties
    }

    /// Python's `\w` in a Unicode `str` pattern: letters, anything with a numeric value, and `_`.
    static func isWordCharacter(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        guard let properties = properties(c) else { return false }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return properties.numericType != nil
        }
    }

    /// Python's `string.punctuation`: the 32 ASCII punctuation characters.
    @inline(__always)
    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E)
    }
}
