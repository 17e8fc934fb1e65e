/// Splits text into the pieces BPE runs on, exactly as the regular expressions of HF tokenizers and
/// llama.cpp do, but as a hand-written scanner over Unicode scalars (no regex engine, no backtracking).
///
/// GPT-2 (`gpt2`), tried in this order at each position:
///   `'s|'t|'re|'ve|'m|'ll|'d | ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+`
/// SmolLM (`smollm`): every `\p{N}` scalar is first split off on its own, then GPT-2 on the rest.
/// Llama 3 (`llama-bpe`):
///   `(?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n]*
///    | \s*[\r\n]+ | \s+(?!\S) | \s+`
/// Qwen2 (`qwen2`): the Llama 3 rules with `\p{N}` (one digit per piece) instead of `\p{N}{1,3}`.
/// GPT-4o (`gpt-4o`, Phi-4-mini; o200k) as llama.cpp runs it, its letter classes written
/// `U = \p{L} except a-z` and `W = \p{L} except A-Z` (so a non-ASCII letter is both, and combining
/// marks are not letters — where HF's regex, with `\p{Lu}`… and `\p{M}`, can split differently):
///   `[^\r\n\p{L}\p{N}]?U*W+C? | [^\r\n\p{L}\p{N}]?U+W*C? | \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n/]*
///    | \s*[\r\n]+ | \s+(?!\S) | \s+`   with C the contractions `'s|'t|'re|'ve|'m|'ll|'d`, any case.
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2
    case smollm
    case llama3 = "llama-bpe"
    case qwen2
    case gpt4o = "gpt-4o"

    public static var supportedNames: [String] { allCases.map(\.rawValue) }

    /// The rules for a GGUF `tokenizer.ggml.pre` name; "default" is GPT-2's.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "default": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3": self = .llama3
        case "qwen2": self = .qwen2
        case "gpt-4o", "llama4": self = .gpt4o
        default: return nil
        }
    }

    /// Piece boundaries of `utf8` (a whole segment between special tokens) as byte ranges.
    func split(_ utf8: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        let text = ScalarText(utf8)
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(text.count / 3 + 1)
        let emit = { (start: Int, end: Int) in
            pieces.append(Int(text.offsets[start])..<Int(text.offsets[end]))
        }
        switch self {
        case .gpt2:
            Self.scanGPT2(text, 0, text.count, emit)
        case .llama3:
            Self.scanLlama3(text, 0, text.count, maxDigits: 3, emit)
        case .qwen2:
            Self.scanLlama3(text, 0, text.count, maxDigits: 1, emit)
        case .gpt4o:
            Self.scanGPT4o(text, 0, text.count, emit)
        case .smollm:
            var start = 0
            for index in 0..<text.count where text.classes[index] & ScalarClass.number != 0 {
                if start < index { Self.scanGPT2(text, start, index, emit) }
                emit(index, index + 1)
                start = index + 1
            }
            if start < text.count { Self.scanGPT2(text, start, text.count, emit) }
        }
        return pieces
    }

    // MARK: - Scanners over scalars [lower, upper); `upper` acts as the end of the text.

    private static func scanGPT2(_ text: ScalarText, _ lower: Int, _ upper: Int,
                                 _ emit: (Int, Int) -> Void) {
        var i = lower
        while i < upper {
            if let end = contraction(text, i, upper, caseInsensitive: false) {
                emit(i, end); i = end; continue
            }
            let j = (text.values[i] == 0x20 && i + 1 < upper) ? i + 1 : i
            let kind = text.classes[j]
            if kind & ScalarClass.whitespace == 0 {
                // ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+`: a run of one kind.
                let mask = kind & (ScalarClass.letter | ScalarClass.number)
                var end = j + 1
                while end < upper, text.classes[end] & (ScalarClass.letter | ScalarClass.number | ScalarClass.whitespace)
                        == mask {
                    end += 1
                }
                emit(i, end); i = end; continue
            }
            let end = whitespaceRunEnd(text, i, upper)
            emit(i, end); i = end
        }
    }

    private static func scanLlama3(_ text: ScalarText, _ lower: Int, _ upper: Int, maxDigits: Int,
                                   _ emit: (Int, Int) -> Void) {
        var i = lower
        while i < upper {
            if let end = contraction(text, i, upper, caseInsensitive: true) {
                emit(i, end); i = end; continue
            }
            let kind = text.classes[i]
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            var letters = -1
            if kind & ScalarClass.letter != 0 {
                letters = i
            } else if kind & (ScalarClass.newline | ScalarClass.number) == 0, i + 1 < upper,
                      text.classes[i + 1] & ScalarClass.letter != 0 {
                letters = i + 1
            }
            if letters >= 0 {
                var end = letters + 1
                while end < upper, text.classes[end] & ScalarClass.letter != 0 { end += 1 }
                emit(i, end); i = end; continue
            }
            // `\p{N}{1,3}` (Qwen2: `\p{N}`)
            if kind & ScalarClass.number != 0 {
                var end = i + 1
                while end < upper, end - i < maxDigits, text.classes[end] & ScalarClass.number != 0 { end += 1 }
                emit(i, end); i = end; continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let j = (text.values[i] == 0x20 && i + 1 < upper) ? i + 1 : i
            if text.classes[j] & (ScalarClass.whitespace | ScalarClass.letter | ScalarClass.number) == 0 {
                var end = j + 1
                while end < upper,
                      text.classes[end] & (ScalarClass.whitespace | ScalarClass.letter | ScalarClass.number) == 0 {
                    end += 1
                }
                while end < upper, text.classes[end] & ScalarClass.newline != 0 { end += 1 }
                emit(i, end); i = end; continue
            }
            // `\s*[\r\n]+`: up to and including the last line break of the whitespace run.
            var runEnd = i
            var lastBreak = -1
            while runEnd < upper, text.classes[runEnd] & ScalarClass.whitespace != 0 {
                if text.classes[runEnd] & ScalarClass.newline != 0 { lastBreak = runEnd }
                runEnd += 1
            }
            if lastBreak >= 0 {
                emit(i, lastBreak + 1); i = lastBreak + 1; continue
            }
            let end = whitespaceRunEnd(text, i, upper)
            emit(i, end); i = end
        }
    }

    private static func scanGPT4o(_ text: ScalarText, _ lower: Int, _ upper: Int, _ emit: (Int, Int) -> Void) {
        func isLetter(_ k: Int) -> Bool { text.classes[k] & ScalarClass.letter != 0 }
        // U: a letter that is not a-z; W: a letter that is not A-Z.
        func isUpperish(_ k: Int) -> Bool { isLetter(k) && !(0x61...0x7A).contains(text.values[k]) }
        func isLowerish(_ k: Int) -> Bool { isLetter(k) && !(0x41...0x5A).contains(text.values[k]) }
        func run(from k: Int, while member: (Int) -> Bool) -> Int {
            var end = k
            while end < upper, member(end) { end += 1 }
            return end
        }
        func withContraction(_ end: Int) -> Int {
            end < upper ? contraction(text, end, upper, caseInsensitive: true) ?? end : end
        }
        var i = lower
        while i < upper {
            let kind = text.classes[i]
            // The optional leading `[^\r\n\p{L}\p{N}]` of the two word rules.
            let start = kind & (ScalarClass.newline | ScalarClass.letter | ScalarClass.number) == 0 ? i + 1 : i
            if start < upper, isLetter(start) {
                let upperRunEnd = run(from: start, while: isUpperish)
                // `U*W+`: the longest U-prefix after which a W follows (backtracking as the regex does).
                var split = -1
                if upperRunEnd < upper, isLowerish(upperRunEnd) {
                    split = upperRunEnd
                } else {
                    var k = upperRunEnd - 1
                    while k >= start, split < 0 { if isLowerish(k) { split = k }; k -= 1 }
                }
                if split >= 0 {
                    let end = withContraction(run(from: split, while: isLowerish))
                    emit(i, end); i = end; continue
                }
                // `U+W*`
                if upperRunEnd > start {
                    let end = withContraction(run(from: upperRunEnd, while: isLowerish))
                    emit(i, end); i = end; continue
                }
            }
            if kind & ScalarClass.number != 0 {
                var end = i + 1
                while end < upper, end - i < 3, text.classes[end] & ScalarClass.number != 0 { end += 1 }
                emit(i, end); i = end; continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
            let j = (text.values[i] == 0x20 && i + 1 < upper) ? i + 1 : i
            let notOther = ScalarClass.whitespace | ScalarClass.letter | ScalarClass.number
            if text.classes[j] & notOther == 0 {
                var end = run(from: j + 1) { text.classes[$0] & notOther == 0 }
                end = run(from: end) { text.classes[$0] & ScalarClass.newline != 0 || text.values[$0] == 0x2F }
                emit(i, end); i = end; continue
            }
            // `\s*[\r\n]+`, then `\s+(?!\S)|\s+`
            var runEnd = i
            var lastBreak = -1
            while runEnd < upper, text.classes[runEnd] & ScalarClass.whitespace != 0 {
                if text.classes[runEnd] & ScalarClass.newline != 0 { lastBreak = runEnd }
                runEnd += 1
            }
            if lastBreak >= 0 {
                emit(i, lastBreak + 1); i = lastBreak + 1; continue
            }
            let end = whitespaceRunEnd(text, i, upper)
            emit(i, end); i = end
        }
    }

    /// `\s+(?!\S)|\s+` at a whitespace scalar: the whole run at the end of the text, otherwise the run
    /// minus its last scalar (which then prefixes the next word), or one scalar when that is all.
    private static func whitespaceRunEnd(_ text: ScalarText, _ i: Int, _ upper: Int) -> Int {
        var end = i + 1
        while end < upper, text.classes[end] & ScalarClass.whitespace != 0 { end += 1 }
        if end < upper, end - i >= 2 { end -= 1 }
        return end
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `i`; the end of the match.
    private static func contraction(_ text: ScalarText, _ i: Int, _ upper: Int, caseInsensitive: Bool) -> Int? {
        guard text.values[i] == 0x27, i + 1 < upper else { return nil }
        func letter(_ k: Int) -> UInt32 {
            guard k < upper else { return 0 }
            let value = text.values[k]
            return caseInsensitive && (0x41...0x5A).contains(value) ? value + 0x20 : value
        }
        switch letter(i + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
        case 0x72, 0x76: return letter(i + 2) == 0x65 ? i + 3 : nil  // re ve
        case 0x6C: return letter(i + 2) == 0x6C ? i + 3 : nil  // ll
        default: return nil
        }
    }
}

/// Bit flags of the character classes the pre-tokenizer rules use.
enum ScalarClass {
    static let letter: UInt8 = 1        // \p{L}
    static let number: UInt8 = 2        // \p{N}
    static let whitespace: UInt8 = 4    // \s (Unicode White_Space)
    static let newline: UInt8 = 8       // \r or \n (also whitespace)

    static let ascii: [UInt8] = (0..<128).map { classifyByProperties(Unicode.Scalar(UInt8($0))) }

    static func classify(_ scalar: Unicode.Scalar) -> UInt8 {
        scalar.value < 128 ? ascii[Int(scalar.value)] : classifyByProperties(scalar)
    }

    private static func classifyByProperties(_ scalar: Unicode.Scalar) -> UInt8 {
        if scalar == "\n" || scalar == "\r" { return whitespace | newline }
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }
}

/// A UTF-8 text decoded once into scalar values, their classes and byte offsets.
struct ScalarText {
    var values: [UInt32] = []
    var classes: [UInt8] = []
    /// Byte offset of each scalar, plus one past the end.
    var offsets: [Int32] = []
    var count: Int { values.count }

    init(_ utf8: UnsafeBufferPointer<UInt8>) {
        values.reserveCapacity(utf8.count)
        classes.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        var index = 0
        let n = utf8.count
        while index < n {
            let lead = utf8[index]
            offsets.append(Int32(index))
            if lead < 0x80 {
                values.append(UInt32(lead))
                classes.append(ScalarClass.ascii[Int(lead)])
                index += 1
                continue
            }
            // The buffer comes from a Swift String, so it is valid UTF-8.
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
            var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length where index + k < n { value = value << 6 | UInt32(utf8[index + k] & 0x3F) }
            values.append(value)
            classes.append(Unicode.Scalar(value).map(ScalarClass.classify) ?? 0)
            index += length
        }
        offsets.append(Int32(n))
    }
}
