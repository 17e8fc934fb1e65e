import Metrics
import Testing

/// Tokenizations of tricky strings, as sacrebleu 2.6.0's tokenizers return them (compared as
/// whitespace-split token lists, which is all BLEU sees).
@Suite struct TokenizerTests {
    /// (input, 13a, intl, zh)
    static let cases: [(String, String, String, String)] = [
        ("In 2014. The end.",
         "In 2014 . The end .",
         "In 2014 . The end .",
         "In 2014 . The end ."),
        ("a &quot;quote&quot; &amp;amp; <skipped> x",
         "a \" quote \" & amp ; x",
         "a & quot ; quote & quot ; & amp ; amp ; < skipped > x",
         "a & quot ; quote & quot ; & amp ; amp ; < skipped > x"),
        ("co-operate 12-30 3.14 1,000 x,y a.b",
         "co-operate 12 - 30 3.14 1,000 x , y a . b",
         "co - operate 12-30 3.14 1,000 x , y a . b",
         "co-operate 12 - 30 3.14 1,000 x , y a . b"),
        ("Hello, world! (ok) [x] {y} $5 @me #tag",
         "Hello , world ! ( ok ) [ x ] { y } $ 5 @ me # tag",
         "Hello , world ! ( ok ) [ x ] { y } $ 5 @ me # tag",
         "Hello , world ! ( ok ) [ x ] { y } $ 5 @ me # tag"),
        ("He said “hi”—then left…",
         "He said “hi”—then left…",
         "He said “ hi ” — then left …",
         "He said “ hi ” — then left …"),
        ("退款订单号 v2.1 Zürich",
         "退款订单号 v2.1 Zürich",
         "退款订单号 v2.1 Zürich",
         "退 款 订 单 号 v2.1 Zürich"),
        ("e-mail 　 wide space",
         "e-mail wide space",
         "e - mail wide space",
         "e-mail wide space"),
        ("...damaged invoice",
         ". . . damaged invoice",
         ". . . damaged invoice",
         ". . . damaged invoice"),
        ("don't 'quote' it's",
         "don't 'quote' it's",
         "don ' t ' quote ' it ' s",
         "don't 'quote' it's"),
        ("x+y=z <a|b> ^_^ ~",
         "x + y = z < a | b > ^ _ ^ ~",
         "x + y = z < a | b > ^ _ ^ ~",
         "x + y = z < a | b > ^ _ ^ ~"),
    ]

    static func tokens(_ text: String, _ name: BLEUTokenizerName) -> [String] {
        var scalars = text.unicodeScalars.map(\.value), scratch: [UInt32] = []
        name.tokenizer.tokenize(&scalars, scratch: &scratch)
        var string = String.UnicodeScalarView()
        for value in scalars { string.append(Unicode.Scalar(value)!) }
        return String(string).split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    @Test func thirteenAMatchesSacrebleu() {
        for (input, expected, _, _) in Self.cases { #expect(Self.tokens(input, .thirteenA) == Self.words(expected), "\(input)") }
    }

    @Test func internationalMatchesSacrebleu() {
        for (input, _, expected, _) in Self.cases { #expect(Self.tokens(input, .intl) == Self.words(expected), "\(input)") }
    }

    /// Includes sacrebleu's reading of its malformed table entries: “ ” — … count as Chinese.
    @Test func chineseMatchesSacrebleu() {
        for (input, _, _, expected) in Self.cases { #expect(Self.tokens(input, .zh) == Self.words(expected), "\(input)") }
    }

    @Test func characterTokensAreTheNonSpaceScalars() {
        for (input, _, _, _) in Self.cases {
            let expected = input.unicodeScalars.filter { !$0.properties.isWhitespace }.map { String($0) }
            #expect(Self.tokens(input, .char) == expected, "\(input)")
        }
        #expect(Self.tokens("a b", .none) == ["a", "b"])
    }
}
