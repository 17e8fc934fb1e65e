/// sacrebleu's `none` tokenizer: the text is already tokenized; BLEU splits it on whitespace.
public struct TokenizerNone: BLEUTokenizer {
    public init() {}
    public var signatureName: String { "none" }

    public func tokenize(_ text: inout [UInt32], scratch: inout [UInt32]) {}
}
