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
/// scanned left to right, matches never overlap, and a match consumes both characters.
@inline(__always)
func substitutePairs(_ text: inout [UInt32], scratch: inout [UInt32],
                     matches: (UInt32, UInt32) -> Bool,
                     replacement: (UInt32, UInt32, inout [UInt32]) -> Void) {
    scratch.removeAll(keepingCapacity: true)
    var index = 0
    let count = text.count
    while index < count {
        if index + 1 < count, matches(text[index], text[index + 1]) {
            replacement(text[index], text[index + 1], &scratch)
            index += 2
        } else {
            scratch.append(text[index])
            index += 1
        }
    }
    swap(&text, &scratch)
}

/// One pass of a one-character substitution `s/(X)/ \1 /g`.
@inline(__always)
func padCharacters(_ text: inout [UInt32], scratch: inout [UInt32], where isPadded: (UInt32) -> Bool) {
    scratch.removeAll(keepingCapacity: true)
    for c in text {
        if isPadded(c) {
            scratch.append(0x20); scratch.append(c); scratch.append(0x20)
        } else {
            scratch.append(c)
        }
    }
    swap(&text, &scratch)
}

/// Replaces every occurrence of `pattern` by `replacement`, left to right (Python `str.replace`).
func replaceAll(_ text: inout [UInt32], _ pattern: [UInt32], with replacement: [UInt32], scratch: inout [UInt32]) {
    guard let first = pattern.first, text.count >= pattern.count else { return }
    guard text.contains(first) else { return }
    scratch.removeAll(keepingCapacity: true)
    var index = 0
    let count = text.count
    while index < count {
        if text[index] == first, index + pattern.count <= count,
           text[index..<(index + pattern.count)].elementsEqual(pattern) {
            scratch.append(contentsOf: replacement)
            index += pattern.count
        } else {
            scratch.append(text[index])
            index += 1
        }
    }
    swap(&text, &scratch)
}
