import Foundation

/// One piece of a template's source: literal text, a `{{ … }}` with its expression tokens, or a
/// `{% … %}` with its statement tokens. Comments are dropped here.
enum TemplatePiece {
    case text(String)
    case output([ExpressionToken], line: Int)
    case statement([ExpressionToken], line: Int)
}

/// Splits template source into pieces the way jinja2's lexer does with transformers' settings:
/// newlines normalised to "\n" and one trailing newline dropped (keep_trailing_newline=False);
/// `{%-`/`-%}` strip all whitespace on their side; trim_blocks eats the newline after `%}` and `#}`;
/// lstrip_blocks removes spaces and tabs before `{%` and `{#` at the start of a line (`{%+` keeps them).
struct TemplateLexer {
    let name: String
    private var source: [Unicode.Scalar]
    private var position = 0
    private var line = 1
    private var collected: [TemplatePiece] = []

    init(source: String, name: String) {
        self.name = name
        self.source = TemplateLexer.normalizedNewlines(source)
    }

    /// Python's `str.splitlines()` boundaries joined back with "\n": the trailing one disappears.
    static func normalizedNewlines(_ text: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            switch c.value {
            case 0x0D:
                out.append("\n")
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: out.append("\n")
            default: out.append(c)
            }
            i += 1
        }
        if out.last == "\n" { out.removeLast() }
        return out
    }

    mutating func pieces() throws -> [TemplatePiece] {
        var lineStarting = true
        while position < source.count {
            guard let tagStart = nextTagStart(from: position) else {
                appendText(String(scalars: source[position...]))
                break
            }
            var text = Array(source[position..<tagStart])
            let kind = source[tagStart + 1]
            var afterOpen = tagStart + 2
            var sign: Unicode.Scalar? = nil
            if afterOpen < source.count, source[afterOpen] == "-" || source[afterOpen] == "+" {
                sign = source[afterOpen]
                afterOpen += 1
            }
            if sign == "-" {
                while let last = text.last, last.isPythonWhitespace { text.removeLast() }
            } else if sign != "+", kind != "{" {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                if (lineStart > 0 || lineStarting) && lineStart < text.count
                    && text[lineStart...].allSatisfy({ $0.isPythonWhitespace }) {
                    text.removeSubrange(lineStart...)
                }
            }
            appendText(String(scalars: text[...]))
            line += source[position..<tagStart].filter { $0 == "\n" }.count
            position = afterOpen
            let tagLine = line
            switch kind {
            case "#":
                guard let close = find("#}", from: position) else {
                    throw TemplateError(.syntax, template: name, line: tagLine, "a comment is not closed with #}")
                }
                let stripAfter = close > position && source[close - 1] == "-"
                line += source[position..<close].filter { $0 == "\n" }.count
                position = close + 2
                finishTag(stripAfter: stripAfter, trimNewline: true)
            default:
                var tokenizer = ExpressionTokenizer(source: source, position: position, line: line, template: name)
                let (tokens, end, stripAfter) = try tokenizer.tokensUntilTagEnd(kind == "%" ? "%" : "}")
                position = end
                line = tokenizer.line
                if kind == "%" {
                    if tokens.count == 1, tokens[0].kind == .name, tokens[0].text == "raw" {
                        try readRaw(stripStart: stripAfter, line: tagLine)
                    } else {
                        collected.append(.statement(tokens, line: tagLine))
                        finishTag(stripAfter: stripAfter, trimNewline: true)
                    }
                } else {
                    collected.append(.output(tokens, line: tagLine))
                    finishTag(stripAfter: stripAfter, trimNewline: false)
                }
            }
            lineStarting = position > 0 && source[position - 1] == "\n"
        }
        return collected
    }

    private mutating func appendText(_ text: String) {
        if !text.isEmpty { collected.append(.text(text)) }
    }

    /// After a tag: `-` eats all whitespace that follows; otherwise trim_blocks eats one newline.
    private mutating func finishTag(stripAfter: Bool, trimNewline: Bool) {
        if stripAfter {
            while position < source.count, source[position].isPythonWhitespace {
                if source[position] == "\n" { line += 1 }
                position += 1
            }
        } else if trimNewline, position < source.count, source[position] == "\n" {
            line += 1
            position += 1
        }
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        while i + 1 < source.count {
            if source[i] == "{", source[i + 1] == "{" || source[i + 1] == "%" || source[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    private func find(_ needle: String, from start: Int) -> Int? {
        let n = Array(needle.unicodeScalars)
        var i = start
        while i + n.count <= source.count {
            if source[i] == n[0], Array(source[i..<(i + n.count)]) == n { return i }
            i += 1
        }
        return nil
    }

    /// `{% raw %}…{% endraw %}`: the text between is output as written.
    private mutating func readRaw(stripStart: Bool, line tagLine: Int) throws {
        var search = position
        while let open = find("{%", from: search) {
            var i = open + 2
            var stripBefore = false
            if i < source.count, source[i] == "-" || source[i] == "+" { stripBefore = source[i] == "-"; i += 1 }
            while i < source.count, source[i].isPythonWhitespace { i += 1 }
            let word = Array("endraw".unicodeScalars)
            if i + word.count <= source.count, Array(source[i..<(i + word.count)]) == word {
                i += word.count
                while i < source.count, source[i].isPythonWhitespace { i += 1 }
                var stripAfter = false
                if i < source.count, source[i] == "-" { stripAfter = true; i += 1 }
                if i + 1 < source.count, source[i] == "%", source[i + 1] == "}" {
                    var body = Array(source[position..<open])
                    if stripStart { while let f = body.first, f.isPythonWhitespace { body.removeFirst() } }
                    if stripBefore { while let l = body.last, l.isPythonWhitespace { body.removeLast() } }
                    appendText(String(scalars: body[...]))
                    line += source[position..<(i + 2)].filter { $0 == "\n" }.count
                    position = i + 2
                    finishTag(stripAfter: stripAfter, trimNewline: true)
                    return
                }
            }
            search = open + 2
        }
        throw TemplateError(.syntax, template: name, line: tagLine, "{% raw %} is not closed with {% endraw %}")
    }
}

extension Unicode.Scalar {
    /// Python's `str.isspace()`: Unicode White_Space plus the ASCII separators 0x1C–0x1F.
    var isPythonWhitespace: Bool {
        properties.isWhitespace || (0x1C...0x1F).contains(value)
    }
}

extension String {
    init(scalars: ArraySlice<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }
}
