/// Makes untrusted text (model output, dataset text, names from files) inert in GitHub-flavoured
/// markdown: it renders as the same characters but cannot open HTML, emphasis, code, links, images,
/// autolinks or table cells, and cannot break out of the line it is placed on.
enum MarkdownEscaping {
    /// Characters that markdown treats as syntax: each is backslash-escaped (CommonMark allows any
    /// ASCII punctuation to be escaped, and `\|` is how GFM tables take a literal pipe).
    /// '.' is escaped so "www." never starts an autolink; '$' so GitHub never typesets math.
    private static let backslashed: Set<Character> = ["\\", "`", "*", "_", "[", "]", "(", ")", "!", "|", "#",
                                                      "~", ".", "$"]
    /// HTML-significant characters become entities, so no tag or entity can be formed from them.
    private static let entities: [Character: String] = ["<": "&lt;", ">": "&gt;", "&": "&amp;",
                                                         ":": "&#58;", "@": "&#64;"]

    /// One line of inert text. Newlines (and other line or paragraph separators) become " ↵ ",
    /// control characters are dropped, and text longer than `limit` characters is cut with a note.
    static func inline(_ text: String, limit: Int? = nil) -> String {
        var source = Substring(text)
        var note = ""
        if let limit, text.count > limit {
            source = source.prefix(limit)
            note = " … (truncated from \(text.count) characters)"
        }
        var out = ""
        out.reserveCapacity(source.utf8.count + 16)
        for character in source {
            if character.isNewline {
                out += " ↵ "
            } else if let entity = entities[character] {
                // ':' and '@' are entities so "http://", "javascript:" and e-mail addresses are never
                // recognised as autolinks; the entity renders as the same character.
                out += entity
            } else if backslashed.contains(character) {
                out.append("\\")
                out.append(character)
            } else if character == "\t" {
                out.append(" ")
            } else if character.unicodeScalars.contains(where: isInvisibleControl) {
                continue
            } else {
                out.append(character)
            }
        }
        return out + note
    }

    /// C0/C1 controls, the byte-order mark and bidirectional overrides (which could make text read
    /// differently from what it is).
    private static func isInvisibleControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar.value == 0xFEFF
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// A fenced code block whose fence is longer than any backtick run in the text, so the text can
    /// never close it. The text is put on one line.
    static func codeBlock(_ text: String, language: String = "") -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        var longest = 0, run = 0
        for character in line {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return "\(fence)\(language)\n\(line)\n\(fence)"
    }
}
