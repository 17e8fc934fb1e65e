/// Makes untrusted text (model output, dataset text, names from files) inert in GitHub-flavoured
/// markdown while ordinary prose reads as written: it renders as the same characters but cannot
/// open HTML, emphasis, code, links, images, autolinks, mentions, math or table cells, and cannot
/// break out of the line it is placed on. Reports are read raw as often as rendered, so only what can
/// start syntax where it stands is escaped: `All 5 rules passed.` and `2026-12-06T01:19:22Z` are unchanged.
enum MarkdownEscaping {
    /// Always syntax inline: code spans, emphasis, links and images, table cells, strikethrough, math.
    private static let backslashed: Set<Unicode.Scalar> = ["`", "*", "[", "]", "|", "~", "$"]

    /// One line of inert text. Newlines (and other line or paragraph separators) become " ↵ ",
    /// control characters are dropped, and text longer than `limit` characters is cut with a note.
    ///
    /// Decisions are taken code point by code point, as a CommonMark renderer reads the text, not by
    /// Swift's `Character` (a grapheme cluster): "|" followed by a combining mark is one `Character`
    /// that is not "|", yet the renderer sees the pipe and splits the table cell.
    static func inline(_ text: String, limit: Int? = nil) -> String {
        var source = Substring(text)
        var note = ""
        if let limit, text.count > limit {
            source = source.prefix(limit)
            note = " … (truncated from \(text.count) characters)"
        }
        // Decisions look at neighbours, so they are taken on the text as it will be written.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        for character in source {
            if character.isNewline {
                scalars += [" ", "↵", " "]
            } else if character == "\t" {
                scalars.append(" ")
            } else if !character.unicodeScalars.contains(where: isInvisibleControl) {
                scalars += character.unicodeScalars
            }
        }
        // Leading spaces would make an indented code block where the text starts a line.
        let start = scalars.firstIndex { $0 != " " } ?? scalars.endIndex
        var out = String.UnicodeScalarView()
        for index in start ..< scalars.endIndex {
            out += escaped(scalars, at: index, lineStart: index == start).unicodeScalars
        }
        return String(out) + note
    }

    /// The code point at `index` as it is written.
    private static func escaped(_ scalars: [Unicode.Scalar], at index: Int, lineStart: Bool) -> String {
        let scalar = scalars[index]
        let next = index + 1 < scalars.count ? scalars[index + 1] : nil
        let previous = index > 0 ? scalars[index - 1] : nil
        if backslashed.contains(scalar) || (lineStart && startsBlock(scalar, next: next)) {
            return "\\" + String(scalar)
        }
        switch scalar {
        case "\\":
            // A backslash escapes only the ASCII punctuation after it (or the syntax placed after the text).
            return next.map(isASCIIPunctuation) ?? true ? "\\\\" : "\\"
        case "_":
            // Between letters or digits (exact_match) an underscore cannot open or close emphasis. Beside
            // another underscore it can: in "exact__]" a bare first `_` and an escaped second would
            // leave `_` closing emphasis, so a run of underscores is escaped throughout.
            return isLetterOrDigit(previous) && isLetterOrDigit(next) ? "_" : "\\_"
        case "<":
            // Only `<` before a letter, '/', '!' or '?' opens a tag, a comment or an autolink.
            return next.map { $0.properties.isAlphabetic || "/!?".unicodeScalars.contains($0) } ?? false ? "&lt;" : "<"
        case "&":
            return startsEntity(scalars, after: index) ? "&amp;" : "&"
        case "@":
            // A mention (@user) or an e-mail address (autolinked).
            return isWordCharacter(next) ? "&#64;" : "@"
        case ":":
            // "scheme://" is an autolink in GFM; the entity renders as ':' but stops the match.
            return index + 2 < scalars.count && scalars[index + 1] == "/" && scalars[index + 2] == "/" ? "&#58;" : ":"
        case ".":
            // "www." starts an extended autolink; "1." at the start of a line an ordered list item.
            if endsWord("www", in: scalars, before: index) { return "\\." }
            return isOrderedListMarker(scalars, dotAt: index) ? "\\." : "."
        case ")":
            return isOrderedListMarker(scalars, dotAt: index) ? "\\)" : ")"
        default:
            return String(scalar)
        }
    }

    /// A heading ("# "), block quote, list item ("- ", "+ "), setext underline ("==", "--") or
    /// thematic break ("---") where the text starts a line.
    private static func startsBlock(_ scalar: Unicode.Scalar, next: Unicode.Scalar?) -> Bool {
        switch scalar {
        case ">": return true
        case "#": return next == nil || next == " " || next == "#"
        case "-", "+": return next == nil || next == " " || next == scalar
        case "=": return next == nil || next == "="
        default: return false
        }
    }

    /// `&name;`, `&#123;` or `&#x1F;` follows: a renderer would decode it.
    private static func startsEntity(_ scalars: [Unicode.Scalar], after index: Int) -> Bool {
        var cursor = index + 1
        if cursor < scalars.count, scalars[cursor] == "#" { cursor += 1 }
        let bodyStart = cursor
        while cursor < scalars.count, cursor - bodyStart < 32, isASCIILetterOrDigit(scalars[cursor]) {
            cursor += 1
        }
        return cursor > bodyStart && cursor < scalars.count && scalars[cursor] == ";"
    }

    /// Digits from the start of the text up to `dotAt`, then a space or the end: "12. " or "3)"
    /// would begin an ordered list ("3.5" would not).
    private static func isOrderedListMarker(_ scalars: [Unicode.Scalar], dotAt index: Int) -> Bool {
        let start = scalars.firstIndex { $0 != " " } ?? scalars.endIndex
        guard index > start, index - start <= 9, index + 1 == scalars.count || scalars[index + 1] == " " else { return false }
        return scalars[start ..< index].allSatisfy { ("0"..."9").contains($0) }
    }

    /// The code points before `index` are `word` (lowercase ASCII, matched in any case) at the start of a word.
    private static func endsWord(_ word: String, in scalars: [Unicode.Scalar], before index: Int) -> Bool {
        let letters = Array(word.unicodeScalars)
        guard index >= letters.count else { return false }
        let candidate = String(String.UnicodeScalarView(scalars[index - letters.count ..< index])).lowercased()
        guard candidate == word else { return false }
        return index == letters.count || !isWordCharacter(scalars[index - letters.count - 1])
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar?) -> Bool {
        isLetterOrDigit(scalar) || scalar == "_"
    }

    /// Letters, digits and the marks that combine with them: neither space nor punctuation, so an
    /// underscore between two of them is inside a word.
    private static func isLetterOrDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// CommonMark's ASCII punctuation: what a backslash escapes.
    private static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && scalar.properties.generalCategory != .control && scalar != " " && !isASCIILetterOrDigit(scalar)
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
        for scalar in line.unicodeScalars {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return "\(fence)\(language)\n\(line)\n\(fence)"
    }
}
