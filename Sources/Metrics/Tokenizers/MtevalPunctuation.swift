/// The language-independent part of mteval-v13a's tokenization, shared by the `13a` and `zh`
/// tokenizers (sacrebleu's `TokenizerRegexp`): four regular-expression passes in order.
enum MtevalPunctuation {
    static func apply(_ text: inout [UInt32]) {
        // s/([\{-\~\[-\` -\&\(-\+\:-\@\/])/ \1 /g : ASCII symbols except ' , - .
        padCharacters(&text, where: isSeparatedSymbol)
        // s/([^0-9])([\.,])/\1 \2 /g : period and comma unless preceded by a digit
        substitutePairs(&text,
                        matches: { a, b in !PythonText.isASCIIDigit(a) && isPeriodOrComma(b) },
                        replacement: spaceAfterEach)
        // s/([\.,])([^0-9])/ \1 \2/g : period and comma unless followed by a digit
        substitutePairs(&text,
                        matches: { a, b in isPeriodOrComma(a) && !PythonText.isASCIIDigit(b) },
                        replacement: spaceBeforeEach)
        // s/([0-9])(-)/\1 \2 /g : a dash after a digit
        substitutePairs(&text,
                        matches: { a, b in PythonText.isASCIIDigit(a) && b == 0x2D },
                        replacement: spaceAfterEach)
    }

    @inline(__always)
    static func isPeriodOrComma(_ c: UInt32) -> Bool { c == 0x2E || c == 0x2C }

    @inline(__always)
    static func isSeparatedSymbol(_ c: UInt32) -> Bool {
        switch c {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }
}
