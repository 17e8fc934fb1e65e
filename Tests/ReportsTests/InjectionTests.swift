import Foundation
import Gate
import Reports
import Testing

private let payloads = [
    "<script>alert(1)</script>",
    "![x](http://evil/x.png)",
    "[a](javascript:alert(1))",
    "a | b || c",
    "`code` and ```fence```",
    "</details><details open>",
    "**bold** _it_ ~~gone~~ # heading\n- list\n\n<img src=x onerror=alert(1)>",
    "www.evil.example and mail@evil.example and <https://evil.example>",
    "&lt;already&gt; &amp; $x^2$ \\[math\\]",
    "RTL \u{202E}evil\u{202C} and \u{0007}bell",
    // A combining mark joins the character before it into one Swift Character; a renderer still
    // sees the pipe, the asterisks and the backticks.
    "a |\u{0301} b *\u{0655}x*\u{0655} `\u{0301}code`\u{0301} [\u{0301}l]\u{0301}(u)",
]

private func hostileInput() -> ReportInput {
    var input = SampleReports.noGo
    input.experiment = payloads[0]
    input.runId = payloads[2]
    input.regressedExamples = payloads.enumerated().map { index, text in
        ExampleChange(id: "id-\(index) \(text)", prompt: text, reference: text, baselineOutput: text, candidateOutput: text,
                      baselineScore: 1, candidateScore: 0)
    }
    return input
}

/// Undoes `MarkdownEscaping.inline` the way a CommonMark renderer reads it, code point by code
/// point: backslash escapes and the few entities it writes.
private func rendered(_ cell: String) -> String {
    var out = String.UnicodeScalarView()
    var escaped = false
    for scalar in cell.unicodeScalars {
        if escaped { out.append(scalar); escaped = false; continue }
        if scalar == "\\" { escaped = true; continue }
        out.append(scalar)
    }
    var text = String(out)
    for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&#58;", ":"), ("&#64;", "@"), ("&amp;", "&")] {
        text = text.replacingOccurrences(of: entity, with: character)
    }
    return text
}

/// Cells of a table row, split at pipes that are not backslash-escaped.
private func cells(_ row: Substring) -> [String] {
    var cells: [String] = [], current = String.UnicodeScalarView(), escaped = false
    for scalar in row.unicodeScalars {
        if escaped { current.append(scalar); escaped = false; continue }
        if scalar == "\\" { escaped = true; current.append(scalar); continue }
        if scalar == "|" { cells.append(String(current)); current = String.UnicodeScalarView(); continue }
        current.append(scalar)
    }
    cells.append(String(current))
    return Array(cells.dropFirst().dropLast()).map { $0.trimmingCharacters(in: .whitespaces) }
}

/// Markdown and HTML syntax that is active in a cell: characters that always are syntax without a
/// backslash in front, an underscore at a word's edge, '<' that opens a tag, '&' that starts an
/// entity the escaper did not write, and autolinks and mentions.
private func activeSyntax(_ cell: String) -> [String] {
    var found: [String] = [], escaped = false
    var text = cell
    for entity in ["&lt;", "&gt;", "&#58;", "&#64;", "&amp;"] { text = text.replacingOccurrences(of: entity, with: "\u{1}") }
    let scalars = Array(text.unicodeScalars)
    func isWord(_ index: Int) -> Bool {
        scalars.indices.contains(index) && (scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil)
    }
    for (index, scalar) in scalars.enumerated() {
        if escaped { escaped = false; continue }
        if scalar == "\\" { escaped = true; continue }
        let rest = String(String.UnicodeScalarView(scalars[index...].prefix(4))).lowercased()
        if "[]`*|~$".unicodeScalars.contains(scalar)
            || (scalar == "_" && !(isWord(index - 1) && isWord(index + 1)))
            || (scalar == "<" && index + 1 < scalars.count
                && (scalars[index + 1].properties.isAlphabetic || "/!?".unicodeScalars.contains(scalars[index + 1])))
            || (scalar == "&" && scalars[(index + 1)...].prefix(33).contains(";"))
            || (scalar == "@" && isWord(index + 1))
            || rest.hasPrefix("://") || (rest == "www." && !isWord(index - 1)) {
            found.append(String(scalar))
        }
    }
    return found
}

@Test func hostileModelOutputRendersInertInTheMarkdown() throws {
    let markdown = MarkdownReport.render(hostileInput())
    #expect(markdown.utf8.count < MarkdownReport.byteLimit)
    let lowered = markdown.lowercased()
    for forbidden in ["<script", "</script", "</details", "<details", "<img", "http://", "https://",
                      "![", "mail@", "www.evil", "\u{202E}", "\u{0007}"] {
        #expect(!lowered.contains(forbidden), "found \(forbidden) in the report")
    }
    let section = try #require(markdown.components(separatedBy: "## Examples that regressed").last)
    let rows = section.split(separator: "\n").filter { $0.hasPrefix("| id-") }
    #expect(rows.count == payloads.count)
    for (index, row) in rows.enumerated() {
        let columns = cells(row)
        #expect(columns.count == 6, "row \(index) has \(columns.count) cells")
        for cell in columns.prefix(5) {
            #expect(activeSyntax(cell).isEmpty, "active syntax \(activeSyntax(cell)) in \(cell)")
        }
        // Escaping keeps the text: reading the cell back gives the payload (newlines shown as ↵,
        // invisible controls dropped).
        let expected = payloads[index].replacingOccurrences(of: "\n", with: " ↵ ")
            .unicodeScalars.filter { ![0x202E, 0x202C, 0x07].contains($0.value) }
        #expect(rendered(columns[1]) == String(String.UnicodeScalarView(expected)))
    }
}

@Test func hostileNamesInHeaderAreInertToo() throws {
    let markdown = MarkdownReport.render(hostileInput())
    let header = markdown.split(separator: "\n").prefix(5).joined(separator: "\n")
    #expect(header.hasPrefix("# &lt;script>alert(1)&lt;/script>"))
    #expect(header.contains("Run \\[a\\](javascript:alert(1))"))
}

@Test func commandWithBackticksCannotCloseItsCodeBlock() throws {
    var input = SampleReports.go
    input.provenance.command = "tollgate run x.yaml ````\n## injected"
    let markdown = MarkdownReport.render(input)
    #expect(markdown.hasSuffix("`````sh\ntollgate run x.yaml ```` ## injected\n`````\n"))
}
