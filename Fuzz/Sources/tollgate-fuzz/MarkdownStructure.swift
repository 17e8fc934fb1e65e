/// What a CommonMark/GFM renderer would make of each line of a report, as a comparable string:
/// the block kind (heading level, table row and its cell count, list item, quote, fence, code,
/// HTML, paragraph) and the inline syntax that is active on it (unescaped code, emphasis, link,
/// strikethrough and math characters, tags and autolinks). Hostile text inside a report must not
/// change any line's skeleton.
///
/// Lines are read code point by code point, as a renderer reads them (a combining mark after "|" or
/// after the space of "# " does not hide them).
enum MarkdownStructure {
    static func skeleton(_ markdown: String) -> [String] {
        var lines: [String] = []
        var fence: Int?
        for text in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = Array(text.unicodeScalars)
            let backticks = line.prefix { $0 == "`" }.count
            if let open = fence {
                if backticks >= open, line.allSatisfy({ $0 == "`" }) { fence = nil; lines.append("fence") } else { lines.append("code") }
                continue
            }
            if backticks >= 3 { fence = backticks; lines.append("fence"); continue }
            lines.append(block(line) + " " + activeSyntax(line))
        }
        return lines
    }

    private static func block(_ line: [Unicode.Scalar]) -> String {
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
            let digits = line.prefix { ("0"..."9").contains($0) }
            let rest = line.dropFirst(digits.count)
            return !digits.isEmpty && (rest.starts(with: [".", " "]) || rest.starts(with: [")", " "])) ? "list" : "text"
        }
    }

    private static func unescapedPipes(_ line: [Unicode.Scalar]) -> Int {
        var count = 0, escaped = false
        for scalar in line {
            if escaped { escaped = false; continue }
            if scalar == "\\" { escaped = true } else if scalar == "|" { count += 1 }
        }
        return count
    }

    /// The inline syntax characters a renderer would act on, in order.
    static func activeSyntax(_ line: [Unicode.Scalar]) -> String {
        var found = ""
        var escaped = false
        for (index, scalar) in line.enumerated() {
            if escaped { escaped = false; continue }
            let next = index + 1 < line.count ? line[index + 1] : nil
            let previous = index > 0 ? line[index - 1] : nil
            switch scalar {
            case "\\": escaped = true
            case "`", "*", "[", "]", "~", "$": found.unicodeScalars.append(scalar)
            case "_" where !(isWord(previous) && isWord(next)): found.unicodeScalars.append(scalar)
            case "<" where next.map { $0.properties.isAlphabetic || "/!?".unicodeScalars.contains($0) } ?? false: found += "<"
            case "@" where isWord(next): found += "@"
            case ":" where line[index...].starts(with: [":", "/", "/"]): found += "://"
            case _ where !isWord(previous) && String(String.UnicodeScalarView(line[index...].prefix(4))).lowercased() == "www.": found += "www."
            default: break
            }
        }
        return found
    }

    private static func isWord(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
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
