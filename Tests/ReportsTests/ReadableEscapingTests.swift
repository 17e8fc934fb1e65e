import Foundation
import Reports
import Testing

/// Escaping reads as written: only what would start markdown, HTML or XML syntax where it stands is
/// escaped, so ordinary prose, timestamps and identifiers come out of the escaper unchanged. Text
/// goes in as the experiment's name, which the markdown writes as its headline.
@Suite struct ReadableEscapingTests {
    func headline(_ name: String) -> String {
        var input = SampleReports.go
        input.experiment = name
        let markdown = MarkdownReport.render(input)
        // "# " dropped as code points: a combining mark at the name's start joins the space's Character.
        return String(String.UnicodeScalarView(markdown.prefix { $0 != "\n" }.unicodeScalars.dropFirst(2)))
    }

    @Test(arguments: ["All 5 rules passed.", "2026-12-06T01:19:22Z", "exact_match", "p = 0.040 (holm)", "3.5 points, see above!",
                      "Is it C# or F#?", "a < b and c > d", "AT&T", "e-mail me at noon: 10:30", "100% (n = 200)", "q8_0 fused"])
    func ordinaryTextIsUnchangedInMarkdown(_ text: String) {
        #expect(headline(text) == text)
    }

    @Test(arguments: [("# heading", "\\# heading"), ("- item", "\\- item"), ("+ item", "\\+ item"), ("> quote", "\\> quote"),
                      ("1. first", "1\\. first"), ("12) twelfth", "12\\) twelfth"), ("---", "\\---"), ("==", "\\=="),
                      ("   # indented", "\\# indented")])
    func blockMarkersAreEscapedOnlyWhereTheTextStarts(_ pair: (String, String)) {
        #expect(headline(pair.0) == pair.1)
        let inside = "x " + pair.0.trimmingCharacters(in: .whitespaces)
        #expect(headline(inside) == inside)
    }

    @Test(arguments: [("a | b", "a \\| b"), ("`code`", "\\`code\\`"), ("*bold*", "\\*bold\\*"), ("_it_", "\\_it\\_"),
                      ("A__", "A\\_\\_"), ("exact__match", "exact\\_\\_match"), ("a_ _b", "a\\_ \\_b"),
                      ("a |\u{0301} b", "a \\|\u{0301} b"), ("*\u{0655}x*", "\\*\u{0655}x\\*"), ("\u{0655}x", "\u{0655}x"),
                      ("[a](b)", "\\[a\\](b)"), ("<b>", "&lt;b>"), ("</details>", "&lt;/details>"), ("&lt;", "&amp;lt;"),
                      ("&#58;", "&amp;#58;"), ("~~gone~~", "\\~\\~gone\\~\\~"), ("$x$", "\\$x\\$"), ("@team", "&#64;team"),
                      ("http://x.example", "http&#58;//x.example"), ("www.x.example", "www\\.x.example"),
                      ("a\\*b", "a\\\\\\*b"), ("C:\\Users", "C:\\Users"), ("a\nb", "a ↵ b"), ("tab\there", "tab here")])
    func syntaxIsEscapedWhereItWouldAct(_ pair: (String, String)) {
        #expect(headline(pair.0) == pair.1)
    }

    @Test func junitAttributesEscapeDoubleQuotesOnly() throws {
        var input = SampleReports.noGo
        input.experiment = #"the "holdout" set's <night> & day"#
        let xml = JUnitReport.render(input)
        #expect(xml.contains(#"<testsuites name="tollgate the &quot;holdout&quot; set's &lt;night&gt; &amp; day""#))
        #expect(!xml.contains("&apos;"))
    }
}
