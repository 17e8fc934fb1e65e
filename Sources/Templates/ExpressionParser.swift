import Foundation

/// Parses the tokens of one tag into expressions, following jinja2's parser rule for rule (see
/// `Expression` for the precedence). Nesting deeper than `maximumDepth` is refused so a hostile
/// `((((…` cannot exhaust the stack.
struct ExpressionParser {
    let tokens: [ExpressionToken]
    var index = 0
    let template: String
    let tagLine: Int
    private var depth = 0
    static let maximumDepth = 150

    init(tokens: [ExpressionToken], template: String, line: Int) {
        self.tokens = tokens
        self.template = template
        self.tagLine = line
    }

    var current: ExpressionToken? { index < tokens.count ? tokens[index] : nil }
    var atEnd: Bool { index >= tokens.count }
    func peek(_ offset: Int = 1) -> ExpressionToken? { index + offset < tokens.count ? tokens[index + offset] : nil }

    func error(_ message: String) -> TemplateError {
        TemplateError(.syntax, template: template, line: current?.line ?? tagLine, message)
    }

    mutating func skipOp(_ op: String) -> Bool {
        if current?.isOp(op) == true { index += 1; return true }
        return false
    }
    mutating func skipName(_ word: String) -> Bool {
        if current?.isName(word) == true { index += 1; return true }
        return false
    }
    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)'\(current.map { ", found '\($0.text)'" } ?? " at the end of the tag")") }
    }
    mutating func expectName() throws -> String {
        guard let token = current, token.kind == .name else { throw error("expected a name") }
        index += 1
        return token.text
    }
    func expectEnd() throws {
        if let token = current { throw error("unexpected '\(token.text)' at the end of the tag") }
    }

    // MARK: expressions, loosest first

    mutating func parseExpression(conditional: Bool = true) throws -> Expression {
        conditional ? try parseConditional() : try parseOr()
    }

    mutating func parseConditional() throws -> Expression {
        var expression = try parseOr()
        while skipName("if") {
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseConditional() : nil
            expression = .conditional(condition: condition, then: expression, otherwise: otherwise)
        }
        return expression
    }

    mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while skipName("or") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while skipName("and") { left = .and(left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> Expression {
        if skipName("not") { return .not(try nested { try $0.parseNot() }) }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expression {
        let first = try parseMath1()
        var operations: [(String, Expression)] = []
        while let token = current {
            if token.kind == .op, ["==", "!=", "<", "<=", ">", ">="].contains(token.text) {
                index += 1
                operations.append((token.text, try parseMath1()))
            } else if token.isName("in") {
                index += 1
                operations.append(("in", try parseMath1()))
            } else if token.isName("not"), peek()?.isName("in") == true {
                index += 2
                operations.append(("not in", try parseMath1()))
            } else { break }
        }
        return operations.isEmpty ? first : .compare(first, operations)
    }

    mutating func parseMath1() throws -> Expression {
        var left = try parseConcat()
        while let token = current, token.isOp("+") || token.isOp("-") {
            index += 1
            left = .binary(token.text, left, try parseConcat())
        }
        return left
    }

    mutating func parseConcat() throws -> Expression {
        var parts = [try parseMath2()]
        while skipOp("~") { parts.append(try parseMath2()) }
        return parts.count == 1 ? parts[0] : .concat(parts)
    }

    mutating func parseMath2() throws -> Expression {
        var left = try parsePow()
        while let token = current, token.kind == .op, ["*", "/", "//", "%"].contains(token.text) {
            index += 1
            left = .binary(token.text, left, try parsePow())
        }
        return left
    }

    mutating func parsePow() throws -> Expression {
        var left = try parseUnary()
        while skipOp("**") { left = .binary("**", left, try parseUnary()) }
        return left
    }

    mutating func parseUnary(withFilters: Bool = true) throws -> Expression {
        var node: Expression
        if skipOp("-") {
            node = .negate(try nested { try $0.parseUnary(withFilters: false) })
        } else if skipOp("+") {
            node = .plus(try nested { try $0.parseUnary(withFilters: false) })
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilters { node = try parseFilterExpression(node) }
        return node
    }

    /// Runs `body` one level deeper, refusing nesting beyond `maximumDepth`.
    mutating func nested<T>(_ body: (inout ExpressionParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw TemplateError(.sandbox, template: template, line: tagLine,
                                "expressions nested deeper than \(Self.maximumDepth) levels")
        }
        return try body(&self)
    }

    mutating func parsePrimary() throws -> Expression {
        guard let token = current else { throw error("expected an expression at the end of the tag") }
        switch token.kind {
        case .name:
            index += 1
            switch token.text {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(token.text)
            }
        case .string:
            var text = token.text
            index += 1
            while let next = current, next.kind == .string { text += next.text; index += 1 }
            return .literal(.string(text))
        case .integer: index += 1; return .literal(.int(token.integer))
        case .float: index += 1; return .literal(.double(token.float))
        case .op:
            switch token.text {
            case "(":
                index += 1
                let node = try nested { try $0.parseTuple(explicitParentheses: true) }
                try expectOp(")")
                return node
            case "[":
                index += 1
                var items: [Expression] = []
                while !skipOp("]") {
                    if !items.isEmpty { try expectOp(","); if skipOp("]") { break } }
                    items.append(try nested { try $0.parseExpression() })
                }
                return .list(items)
            case "{":
                index += 1
                var items: [(Expression, Expression)] = []
                while !skipOp("}") {
                    if !items.isEmpty { try expectOp(","); if skipOp("}") { break } }
                    let key = try nested { try $0.parseExpression() }
                    try expectOp(":")
                    items.append((key, try nested { try $0.parseExpression() }))
                }
                return .dict(items)
            default: throw error("unexpected '\(token.text)'")
            }
        }
    }

    /// Comma-separated expressions: one alone is itself, several (or a trailing comma) a tuple.
    mutating func parseTuple(conditional: Bool = true, explicitParentheses: Bool = false,
                             extraEnd: (ExpressionToken) -> Bool = { _ in false }) throws -> Expression {
        var items: [Expression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if atEnd || current!.isOp(")") || extraEnd(current!) { break }
            items.append(try parseExpression(conditional: conditional))
            if current?.isOp(",") == true { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw error("expected an expression") }
        }
        return .tuple(items)
    }

    mutating func parsePostfix(_ start: Expression) throws -> Expression {
        var node = start
        while let token = current {
            if token.isOp(".") || token.isOp("[") { node = try parseSubscript(node) }
            else if token.isOp("(") { node = .call(node, try parseCallArguments()) }
            else { break }
        }
        return node
    }

    mutating func parseFilterExpression(_ start: Expression) throws -> Expression {
        var node = start
        while let token = current {
            if token.isOp("|") { node = try parseFilter(node) }
            else if token.isName("is") { node = try parseTest(node) }
            else if token.isOp("(") { node = .call(node, try parseCallArguments()) }
            else { break }
        }
        return node
    }

    mutating func parseSubscript(_ node: Expression) throws -> Expression {
        if skipOp(".") {
            guard let token = current else { throw error("expected an attribute name after '.'") }
            index += 1
            if token.kind == .name { return .attribute(node, token.text) }
            if token.kind == .integer { return .subscript(node, .literal(.int(token.integer))) }
            throw error("expected an attribute name after '.'")
        }
        try expectOp("[")
        var arguments: [Expression] = []
        while !skipOp("]") {
            if !arguments.isEmpty { try expectOp(",") }
            arguments.append(try nested { try $0.parseSubscribed() })
        }
        guard !arguments.isEmpty else { throw error("expected a subscript") }
        return .subscript(node, arguments.count == 1 ? arguments[0] : .tuple(arguments))
    }

    /// One subscript: an expression or a slice `start:stop:step`. The slice is returned wrapped as
    /// `.slice(.literal(.none), …)` and unwrapped by `parseSubscript`'s caller through `.subscript`.
    mutating func parseSubscribed() throws -> Expression {
        var start: Expression? = nil
        if !(current?.isOp(":") ?? false) {
            let node = try parseExpression()
            if !(current?.isOp(":") ?? false) { return node }
            start = node
        }
        index += 1  // the ':'
        var stop: Expression? = nil
        if let t = current, !t.isOp("]"), !t.isOp(","), !t.isOp(":") { stop = try parseExpression() }
        var step: Expression? = nil
        if skipOp(":"), let t = current, !t.isOp("]"), !t.isOp(",") { step = try parseExpression() }
        return .slice(.literal(.none), start: start, stop: stop, step: step)
    }

    mutating func parseCallArguments() throws -> Expression.Arguments {
        try expectOp("(")
        var arguments = Expression.Arguments()
        var requireComma = false
        while !skipOp(")") {
            if requireComma { try expectOp(","); if skipOp(")") { break } }
            if current?.isOp("*") == true || current?.isOp("**") == true {
                throw TemplateError(.unsupported, template: template, line: current!.line, "*args or **kwargs in a call")
            }
            if let token = current, token.kind == .name, peek()?.isOp("=") == true {
                index += 2
                arguments.keywords.append((token.text, try nested { try $0.parseExpression() }))
            } else {
                if !arguments.keywords.isEmpty { throw error("a positional argument follows a keyword argument") }
                arguments.positional.append(try nested { try $0.parseExpression() })
            }
            requireComma = true
        }
        return arguments
    }

    mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while current?.isOp(".") == true, peek()?.kind == .name { index += 1; name += "." + (try expectName()) }
        return name
    }

    mutating func parseFilter(_ start: Expression?, inline: Bool = false) throws -> Expression {
        var node = start ?? .literal(.none)
        var first = inline
        while first || current?.isOp("|") == true {
            if !first { index += 1 }
            first = false
            let name = try parseDottedName()
            let arguments = current?.isOp("(") == true ? try parseCallArguments() : Expression.Arguments()
            node = .filter(node, name: name, arguments)
        }
        return node
    }

    mutating func parseTest(_ node: Expression) throws -> Expression {
        _ = skipName("is")
        let negated = skipName("not")
        let name = try parseDottedName()
        var arguments = Expression.Arguments()
        if current?.isOp("(") == true {
            arguments = try parseCallArguments()
        } else if let token = current,
                  [.name, .string, .integer, .float].contains(token.kind) || token.isOp("(") || token.isOp("[") || token.isOp("{"),
                  !(token.isName("else") || token.isName("or") || token.isName("and")) {
            if token.isName("is") { throw error("tests cannot be chained with 'is'") }
            arguments.positional = [try parsePostfix(try parsePrimary())]
        }
        return .test(node, name: name, arguments, negated: negated)
    }
}
