/// What a CommonMark/GFM renderer would make of each line of a report, as a comparable string:
/// the block kind (heading level, table row and its cell count, list item, quote, fence, code,
/// HTML, paragraph) and the inline syntax that is active on it (unescaped code, emphasis, link,
/// strikethrough and math characters, tags and autolinks). Hostile text inside a report must not
/// change any line's skeleton.
enum MarkdownStructure {
    static func skeleton(_ markdown: String) -> [String] {
        var lines: [String] = []
        var fence: String?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let backticks = String(line.prefix { $0 == "`" })
            if let open = fence {
                if backticks.count >= open.count, line.allSatisfy({ $0 == "`" }) { fence = nil; lines.append("fence") } else { lines.append("code") }
                continue
            }
            if backticks.count >= 3 { fence = backticks; lines.append("fence"); continue }
            lines.append(block(line) + " " + activeSyntax(line))
        }
        return lines
    }

    private static func block(_ line: Substring) -> String {
        guard let first = line.first else { return "blank" }
        switch first {
        case "|": return "row\(unescapedPipes(line))"
        case "#":
            let level = line.prefix { $0 == "#" }.count
            return line.dropFirst(level).first.map { $0 == " " } ?? true ? "h\(level)" : "text"
        case ">": return "quote"
        case "<": return "html"
        case "-", "*", "+": return line.dropFirst().first == " " ? "list" : "text"
        default:
            let digits = line.prefix { $0.isASCII && $0.isNumber }
            let rest = line.dropFirst(digits.count)
            return !digits.isEmpty && (rest.hasPrefix(". ") || rest.hasPrefix(") ")) ? "list" : "text"
        }
    }

    private static func unescapedPipes(_ line: Substring) -> Int {
        var count = 0, escaped = false
        for character in line {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "|" { count += 1 }
        }
        return count
    }

    /// The inline syntax characters a renderer would act on, in order.
    static func activeSyntax(_ line: Substring) -> String {
        let characters = Array(line)
        var found = ""
        var escaped = false
        for (index, character) in characters.enumerated() {
            if escaped { escaped = false; continue }
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let previous = index > 0 ? characters[index - 1] : nil
            switch character {
            case "\\": escaped = true
            case "`", "*", "[", "]", "~", "$": found.append(character)
            case "_" where !(isWord(previous) && isWord(next)): found.append(character)
            case "<" where next.map { $0.isLetter || "/!?".contains($0) } ?? false: found.append(character)
            case "@" where isWord(next): found.append(character)
            case ":" where characters[index...].starts(with: [":", "/", "/"]): found += "://"
            case _ where !isWord(previous) && String(characters[index...].prefix(4)).lowercased() == "www.": found += "www."
            default: break
            }
        }
        return found
    }

    private static func isWord(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_"
    }

    /// Text that needs no escaping anywhere and must therefore come out of the escaper unchanged.
    static func isPlain(_ text: String) -> Bool {
        guard let first = text.first, first != " ", text.count <= 150, !"#>-+=".contains(first) else { return false }
        let allowed = " .,:;'\"()!?/%=+-"
        guard text.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || allowed.contains($0) }) else { return false }
        let lowered = text.lowercased()
        if lowered.contains("www.") || lowered.contains("://") { return false }
        let digits = text.prefix { $0.isNumber }
        let rest = text.dropFirst(digits.count)
        return digits.isEmpty || !(rest.hasPrefix(".") || rest.hasPrefix(")"))
    }
}
