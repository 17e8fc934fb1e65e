/// sacrebleu's `char` tokenizer: every character (Unicode scalar) is a token; whitespace is dropped
/// when BLEU splits the result.
public struct TokenizerCharacter: BLEUTokenizer {
    public init() {}
    public var signatureName: String { "char" }

    public func tokenize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        scratch.removeAll(keepingCapacity: true)
        for c in text {
            scratch.append(c)
            scratch.append(0x20)
        }
        swap(&text, &scratch)
    }
}
