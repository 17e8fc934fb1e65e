/// Makes untrusted text (model output, dataset text, names from files) inert in GitHub-flavoured
/// markdown while ordinary prose reads as written: it renders as the same characters but cannot
/// open HTML, emphasis, code, links, images, autolinks, mentions, math or table cells, and cannot
/// break out of the line it is placed on. Reports are read raw as often as rendered, so only what can
/// start syntax where it stands is escaped: `All 5 rules passed.` and `2026-12-06T01:19:22Z` are unchanged.
enum MarkdownEscaping {
    /// Always syntax inline: code spans, emphasis, links and images, table cells, strikethrough, math.
    private static let backslashed: Set<Character> = ["`", "*", "[", "]", "|", "~", "$"]

    /// One line of inert text. Newlines (and other line or paragraph separators) become " ↵ ",
    /// control characters are dropped, and text longer than `limit` characters is cut with a note.
    static func inline(_ text: String, limit: Int? = nil) -> String {
        var source = Substring(text)
        var note = ""
        if let limit, text.count > limit {
            source = source.prefix(limit)
            note = " … (truncated from \(text.count) characters)"
        }
        // Decisions look at neighbours, so they are taken on the text as it will be written.
        var characters: [Character] = []
        characters.reserveCapacity(source.count)
        for character in source {
            if character.isNewline {
                characters += [" ", "↵", " "]
            } else if character == "\t" {
                characters.append(" ")
            } else if !character.unicodeScalars.contains(where: isInvisibleControl) {
                characters.append(character)
            }
        }
        // Leading spaces would make an indented code block where the text starts a line.
        let start = characters.firstIndex { $0 != " " } ?? characters.endIndex
        var out = ""
        out.reserveCapacity(source.utf8.count + 16)
        for index in start ..< characters.endIndex {
            out += escaped(characters, at: index, lineStart: index == start)
        }
        return out + note
    }

    /// The character at `index` as it is written.
    private static func escaped(_ characters: [Character], at index: Int, lineStart: Bool) -> String {
        let character = characters[index]
        let next = index + 1 < characters.count ? characters[index + 1] : nil
        let previous = index > 0 ? characters[index - 1] : nil
        if backslashed.contains(character) || (lineStart && startsBlock(character, next: next)) {
            return "\\" + String(character)
        }
        switch character {
        case "\\":
            // A backslash escapes only the ASCII punctuation after it (or the syntax placed after the text).
            return next.map { $0.isASCII && ($0.isPunctuation || $0.isSymbol) } ?? true ? "\\\\" : "\\"
        case "_":
            // Between letters or digits (exact_match) an underscore cannot open or close emphasis. Beside
            // another underscore it can: in "exact__]" a bare first `_` and an escaped second would
            // leave `_` closing emphasis, so a run of underscores is escaped throughout.
            return isLetterOrDigit(previous) && isLetterOrDigit(next) ? "_" : "\\_"
        case "<":
            // Only `<` before a letter, '/', '!' or '?' opens a tag, a comment or an autolink.
            return next.map { $0.isLetter || "/!?".contains($0) } ?? false ? "&lt;" : "<"
        case "&":
            return startsEntity(characters, after: index) ? "&amp;" : "&"
        case "@":
            // A mention (@user) or an e-mail address (autolinked).
            return isWordCharacter(next) ? "&#64;" : "@"
        case ":":
            // "scheme://" is an autolink in GFM; the entity renders as ':' but stops the match.
            return index + 2 < characters.count && characters[index + 1] == "/" && characters[index + 2] == "/" ? "&#58;" : ":"
        case ".":
            // "www." starts an extended autolink; "1." at the start of a line an ordered list item.
            if endsWord("www", in: characters, before: index) { return "\\." }
            return isOrderedListMarker(characters, dotAt: index) ? "\\." : "."
        case ")":
            return isOrderedListMarker(characters, dotAt: index) ? "\\)" : ")"
        default:
            return String(character)
        }
    }

    /// A heading ("# "), block quote, list item ("- ", "+ "), setext underline ("==", "--") or
    /// thematic break ("---") where the text starts a line.
    private static func startsBlock(_ character: Character, next: Character?) -> Bool {
        switch character {
        case ">": return true
        case "#": return next == nil || next == " " || next == "#"
        case "-", "+": return next == nil || next == " " || next == character
        case "=": return next == nil || next == "="
        default: return false
        }
    }

    /// `&name;`, `&#123;` or `&#x1F;` follows: a renderer would decode it.
    private static func startsEntity(_ characters: [Character], after index: Int) -> Bool {
        var cursor = index + 1
        if cursor < characters.count, characters[cursor] == "#" { cursor += 1 }
        let bodyStart = cursor
        while cursor < characters.count, cursor - bodyStart < 32, characters[cursor].isASCII,
              characters[cursor].isLetter || characters[cursor].isNumber {
            cursor += 1
        }
        return cursor > bodyStart && cursor < characters.count && characters[cursor] == ";"
    }

    /// Digits from the start of the text up to `dotAt`, then a space or the end: "12. " or "3)"
    /// would begin an ordered list ("3.5" would not).
    private static func isOrderedListMarker(_ characters: [Character], dotAt index: Int) -> Bool {
        let start = characters.firstIndex { $0 != " " } ?? characters.endIndex
        guard index > start, index - start <= 9, index + 1 == characters.count || characters[index + 1] == " " else { return false }
        return characters[start ..< index].allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The characters before `index` are `word` (any case) at the start of a word.
    private static func endsWord(_ word: String, in characters: [Character], before index: Int) -> Bool {
        let length = word.count
        guard index >= length else { return false }
        guard String(characters[index - length ..< index]).lowercased() == word else { return false }
        return index == length || !isWordCharacter(characters[index - length - 1])
    }

    private static func isWordCharacter(_ character: Character?) -> Bool {
        isLetterOrDigit(character) || character == "_"
    }

    private static func isLetterOrDigit(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber
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
