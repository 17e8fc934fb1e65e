import Foundation

/// A token inside `{{ … }}` or `{% … %}`.
struct ExpressionToken: Equatable {
    enum Kind: Equatable { case name, string, integer, float, op }
    var kind: Kind
    /// The name, the operator, or a string literal's decoded value.
    var text: String
    var integer: Int = 0
    var float: Double = 0
    var line: Int

    func isOp(_ op: String) -> Bool { kind == .op && text == op }
    func isName(_ word: String) -> Bool { kind == .name && text == word }
}

/// Tokens of one tag, up to its closing `}}` or `%}` (only when brackets are balanced, as in
/// jinja2, so `{{ {'a': {'b': 1}} }}` closes at the last `}}`).
struct ExpressionTokenizer {
    let source: [Unicode.Scalar]
    var position: Int
    var line: Int
    let template: String

    init(source: [Unicode.Scalar], position: Int, line: Int, template: String) {
        self.source = source
        self.position = position
        self.line = line
        self.template = template
    }

    private static let operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")",
                                    "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"].map { Array($0.unicodeScalars) }

    /// Returns the tokens, the position after the closing delimiter and whether it was `-%}`/`-}}`.
    mutating func tokensUntilTagEnd(_ closer: Unicode.Scalar) throws -> ([ExpressionToken], Int, Bool) {
        var tokens: [ExpressionToken] = []
        var depth = 0
        while true {
            while position < source.count, source[position].isPythonWhitespace {
                if source[position] == "\n" { line += 1 }
                position += 1
            }
            guard position < source.count else {
                throw TemplateError(.syntax, template: template, line: line,
                                    "a tag is not closed with \(closer == "%" ? "%}" : "}}")")
            }
            if depth == 0 {
                if at("-\(closer)}") { return (tokens, position + 3, true) }
                if at("\(closer)}") { return (tokens, position + 2, false) }
            }
            let c = source[position]
            if c == "'" || c == "\"" {
                tokens.append(ExpressionToken(kind: .string, text: try readString(quote: c), line: line))
            } else if c.properties.numericType != nil && ("0"..."9").contains(c) {
                tokens.append(try readNumber())
            } else if c == "_" || c.properties.isAlphabetic {
                var end = position
                while end < source.count, source[end] == "_" || source[end].properties.isAlphabetic
                        || ("0"..."9").contains(source[end]) || source[end].properties.numericType != nil { end += 1 }
                tokens.append(ExpressionToken(kind: .name, text: String(scalars: source[position..<end]), line: line))
                position = end
            } else if let op = Self.operators.first(where: { at($0) }) {
                let text = String(scalars: op[...])
                if text == "(" || text == "[" || text == "{" { depth += 1 }
                if text == ")" || text == "]" || text == "}" {
                    guard depth > 0 else {
                        throw TemplateError(.syntax, template: template, line: line, "unexpected '\(text)'")
                    }
                    depth -= 1
                }
                tokens.append(ExpressionToken(kind: .op, text: text, line: line))
                position += op.count
            } else {
                throw TemplateError(.syntax, template: template, line: line, "unexpected character '\(Character(c))'")
            }
        }
    }

    private func at(_ text: String) -> Bool { at(Array(text.unicodeScalars)) }
    private func at(_ scalars: [Unicode.Scalar]) -> Bool {
        guard position + scalars.count <= source.count else { return false }
        for (i, s) in scalars.enumerated() where source[position + i] != s { return false }
        return true
    }

    private func isDigit(_ i: Int) -> Bool { i < source.count && ("0"..."9").contains(source[i]) }

    /// Python number literals as jinja2 reads them: `1_000`, `0x1F`, `1.5`, `2e-3`.
    private mutating func readNumber() throws -> ExpressionToken {
        let start = position
        // A literal may end the source (`{{ 1` is a syntax error found later, not a read past the end).
        func digits() {
            while isDigit(position) || (position < source.count && source[position] == "_" && isDigit(position + 1)) { position += 1 }
        }
        if source[position] == "0", position + 1 < source.count, "xXoObB".unicodeScalars.contains(source[position + 1]) {
            let radix: Int = ["x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2][Character(source[position + 1])]!
            position += 2
            let digitStart = position
            while position < source.count, source[position] == "_" || Character(source[position]).hexDigitValue.map({ $0 < radix }) == true {
                position += 1
            }
            let text = String(scalars: source[digitStart..<position]).replacingOccurrences(of: "_", with: "")
            guard let value = Int(text, radix: radix) else {
                throw TemplateError(.syntax, template: template, line: line, "bad number literal")
            }
            return ExpressionToken(kind: .integer, text: text, integer: value, line: line)
        }
        digits()
        var isFloat = false
        if position + 1 < source.count, source[position] == ".", isDigit(position + 1) {
            isFloat = true
            position += 1
            digits()
        }
        if position < source.count, source[position] == "e" || source[position] == "E" {
            var p = position + 1
            if p < source.count, source[p] == "+" || source[p] == "-" { p += 1 }
            if isDigit(p) {
                isFloat = true
                position = p
                digits()
            }
        }
        let text = String(scalars: source[start..<position]).replacingOccurrences(of: "_", with: "")
        if isFloat {
            guard let value = Double(text) else { throw TemplateError(.syntax, template: template, line: line, "bad number \(text)") }
            return ExpressionToken(kind: .float, text: text, float: value, line: line)
        }
        guard let value = Int(text) else {
            throw TemplateError(.unsupported, template: template, line: line, "an integer literal beyond 64 bits (\(text))")
        }
        return ExpressionToken(kind: .integer, text: text, integer: value, line: line)
    }

    /// A quoted literal with Python's escapes (jinja2 decodes with "unicode-escape"): \n \t \\ \' \"
    /// \xhh \uhhhh \Uhhhhhhhh, octal; an unknown escape such as `\d` stays as written.
    private mutating func readString(quote: Unicode.Scalar) throws -> String {
        let startLine = line
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard position < source.count else {
                throw TemplateError(.syntax, template: template, line: startLine, "a string literal is not closed")
            }
            let c = source[position]
            if c == quote { position += 1; return String(out) }
            if c == "\n" { line += 1 }
            guard c == "\\", position + 1 < source.count else { out.append(c); position += 1; continue }
            let e = source[position + 1]
            position += 2
            switch e {
            case "\n": line += 1
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                guard position + width <= source.count,
                      let value = UInt32(String(scalars: source[position..<(position + width)]), radix: 16),
                      let scalar = Unicode.Scalar(value) else {
                    throw TemplateError(.syntax, template: template, line: line, "a bad \\\(e) escape in a string literal")
                }
                out.append(scalar)
                position += width
            case "0"..."7":
                var value = e.value - 0x30
                var n = 1
                while n < 3, position < source.count, ("0"..."7").contains(source[position]) {
                    value = value * 8 + source[position].value - 0x30
                    position += 1
                    n += 1
                }
                out.append(Unicode.Scalar(value)!)
            case "N":
                throw TemplateError(.unsupported, template: template, line: line, "a \\N{…} escape in a string literal")
            default:
                out.append("\\")
                out.append(e)
            }
        }
    }
}
