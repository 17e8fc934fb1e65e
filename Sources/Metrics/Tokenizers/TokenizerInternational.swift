/// sacrebleu's `intl` tokenizer (mteval-v14's international tokenization): split Unicode
/// punctuation off unless it sits between digits, and split off every Unicode symbol.
public struct TokenizerInternational: BLEUTokenizer {
    public init() {}
    public var signatureName: String { "intl" }

    public func tokenize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        // s/(\P{N})(\p{P})/\1 \2 /g
        substitutePairs(&text,
                        matches: { a, b in !Self.isNumber(a) && Self.isPunctuation(b) },
                        replacement: spaceAfterEach)
        // s/(\p{P})(\P{N})/ \1 \2/g
        substitutePairs(&text,
                        matches: { a, b in Self.isPunctuation(a) && !Self.isNumber(b) },
                        replacement: spaceBeforeEach)
        // s/(\p{S})/ \1 /g
        padCharacters(&text, where: Self.isSymbol)
    }

    private static func category(_ c: UInt32) -> Unicode.GeneralCategory? {
        Unicode.Scalar(c)?.properties.generalCategory
    }

    static func isNumber(_ c: UInt32) -> Bool {
        if c < 0x80 { return PythonText.isASCIIDigit(c) }
        switch category(c) {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: UInt32) -> Bool {
        // ASCII punctuation in Unicode's sense: the ASCII symbols $ + < = > ^ ` | ~ are category S.
        if c < 0x80 {
            switch c {
            case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x60, 0x7C, 0x7E: return false
            default: return PythonText.isASCIIPunctuation(c)
            }
        }
        switch category(c) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isSymbol(_ c: UInt32) -> Bool {
        if c < 0x80 {
            switch c {
            case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x60, 0x7C, 0x7E: return true
            default: return false
            }
        }
        switch category(c) {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }
}
