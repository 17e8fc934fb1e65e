/// A BLEU tokenizer rewrites a segment (Unicode scalar values) so that its tokens are the
/// whitespace-separated words of the result, as sacrebleu's tokenizers return a string that BLEU
/// then splits. Each tokenizer is one small type, chosen by name.
public protocol BLEUTokenizer: Sendable {
    /// The name written in the signature (`tok:13a`).
    var signatureName: String { get }
    /// Rewrites `text` in place; `scratch` is a reusable buffer of the caller's.
    func tokenize(_ text: inout [UInt32], scratch: inout [UInt32])
}

/// The tokenizers `--tokenize` accepts, by sacrebleu's names.
public enum BLEUTokenizerName: String, CaseIterable, Codable, Sendable {
    case thirteenA = "13a"
    case intl
    case char
    case none
    case zh

    public var tokenizer: any BLEUTokenizer {
        switch self {
        case .thirteenA: return Tokenizer13a()
        case .intl: return TokenizerInternational()
        case .char: return TokenizerCharacter()
        case .none: return TokenizerNone()
        case .zh: return TokenizerChinese()
        }
    }
}

/// One pass of a two-character regular-expression substitution such as `s/([^0-9])([.,])/\1 \2 /g`:
/// scanned left to right, matches never overlap, and a match consumes both characters. A
/// replacement writes at most four characters (into `out`, returning how many).
@inline(__always)
func substitutePairs(_ text: inout [UInt32],
                     matches: (UInt32, UInt32) -> Bool,
                     replacement: (UInt32, UInt32, UnsafeMutablePointer<UInt32>) -> Int) {
    let count = text.count
    guard count > 1 else { return }
    // Written through pointers: per-character `append` costs more than the scan itself.
    text = text.withUnsafeBufferPointer { input in
        Array(unsafeUninitializedCapacity: 2 * count) { output, written in
            let out = output.baseAddress!
            var index = 0, length = 0
            while index < count {
                if index + 1 < count, matches(input[index], input[index + 1]) {
                    length += replacement(input[index], input[index + 1], out + length)
                    index += 2
                } else {
                    out[length] = input[index]
                    length += 1
                    index += 1
                }
            }
            written = length
        }
    }
}

/// One pass of a one-character substitution `s/(X)/ \1 /g`. A space needs no padding: runs of
/// spaces tokenize like one space and match the later patterns only as a single non-digit.
@inline(__always)
func padCharacters(_ text: inout [UInt32], where isPadded: (UInt32) -> Bool) {
    let count = text.count
    guard count > 0 else { return }
    text = text.withUnsafeBufferPointer { input in
        Array(unsafeUninitializedCapacity: 3 * count) { output, written in
            let out = output.baseAddress!
            var length = 0
            for c in input {
                if c != 0x20 && isPadded(c) {
                    out[length] = 0x20; out[length + 1] = c; out[length + 2] = 0x20
                    length += 3
                } else {
                    out[length] = c
                    length += 1
                }
            }
            written = length
        }
    }
}

/// `c1 ' ' c2 ' '`, the replacement `\1 \2 `.
@inline(__always)
func spaceAfterEach(_ a: UInt32, _ b: UInt32, _ out: UnsafeMutablePointer<UInt32>) -> Int {
    out[0] = a; out[1] = 0x20; out[2] = b; out[3] = 0x20
    return 4
}

/// `' ' c1 ' ' c2`, the replacement ` \1 \2`.
@inline(__always)
func spaceBeforeEach(_ a: UInt32, _ b: UInt32, _ out: UnsafeMutablePointer<UInt32>) -> Int {
    out[0] = 0x20; out[1] = a; out[2] = 0x20; out[3] = b
    return 4
}

/// Replaces every occurrence of `pattern` by `replacement`, left to right (Python `str.replace`).
func replaceAll(_ text: inout [UInt32], _ pattern: [UInt32], with replacement: [UInt32], scratch: inout [UInt32]) {
    let count = text.count, width = pattern.count
    guard width > 0, count >= width else { return }
    let first = pattern[0]
    let found: Int? = text.withUnsafeBufferPointer { input in
        pattern.withUnsafeBufferPointer { pattern in
            var index = 0
            while index + width <= count {
                if input[index] == first {
                    var offset = 1
                    while offset < width && input[index + offset] == pattern[offset] { offset += 1 }
                    if offset == width { return index }
                }
                index += 1
            }
            return nil
        }
    }
    guard let found else { return }
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: text[0..<found])
    var index = found
    while index < count {
        if index + width <= count, text[index..<(index + width)].elementsEqual(pattern) {
            scratch.append(contentsOf: replacement)
            index += width
        } else {
            scratch.append(text[index])
            index += 1
        }
    }
    swap(&text, &scratch)
}
