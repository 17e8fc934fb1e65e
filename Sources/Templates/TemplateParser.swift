import Foundation

/// Builds the statement tree from the lexer's pieces: `if`/`elif`/`else`, `for` (with `if` filter
/// and `else`), `set` (plain, tuple, namespace attribute, block), `macro`, `call`, `filter`, `with`,
/// `break`/`continue` (jinja2.ext.loopcontrols) and transformers' `generation`. Tags that load other
/// templates or need Python (`include`, `import`, `extends`, `block`, `do`) are refused by name.
struct TemplateParser {
    let template: String
    private let pieces: [TemplatePiece]
    private var index = 0
    private var depth = 0
    /// The line of the last tag read, for errors found between tags.
    private var line = 1
    static let maximumDepth = 100

    init(pieces: [TemplatePiece], template: String) {
        self.pieces = pieces
        self.template = template
    }

    mutating func parse() throws -> [TemplateNode] {
        let (nodes, end) = try parseBody(until: [])
        if let end { throw TemplateError(.syntax, template: template, line: end.line, "unexpected '\(end.word)'") }
        return nodes
    }

    /// The closing tag that ended a body: its word and a parser over its remaining tokens.
    struct EndTag {
        var word: String
        var line: Int
        var rest: ExpressionParser
    }

    private mutating func parseBody(until ends: Set<String>) throws -> ([TemplateNode], EndTag?) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw TemplateError(.sandbox, template: template, line: line, "blocks nested deeper than \(Self.maximumDepth) levels")
        }
        var nodes: [TemplateNode] = []
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            switch piece {
            case .text(let text): nodes.append(.text(text))
            case .output(let tokens, let line):
                self.line = line
                var parser = ExpressionParser(tokens: tokens, template: template, line: line)
                let expression = try parser.parseTuple()
                try parser.expectEnd()
                nodes.append(.output(expression, line: line))
            case .statement(let tokens, let line):
                self.line = line
                var parser = ExpressionParser(tokens: tokens, template: template, line: line)
                guard let first = parser.current, first.kind == .name else {
                    throw TemplateError(.syntax, template: template, line: line, "a tag must start with a name")
                }
                parser.index += 1
                if ends.contains(first.text) { return (nodes, EndTag(word: first.text, line: line, rest: parser)) }
                nodes.append(try parseStatement(first.text, &parser, line: line))
            }
        }
        if let expected = ends.sorted().first(where: { $0.hasPrefix("end") }) {
            throw TemplateError(.syntax, template: template, line: line, "the template ends before {% \(expected) %}")
        }
        return (nodes, nil)
    }

    private mutating func body(_ ends: Set<String>, line: Int) throws -> ([TemplateNode], EndTag) {
        let (nodes, end) = try parseBody(until: ends)
        guard let end else {
            throw TemplateError(.syntax, template: template, line: line,
                                "a block opened here is not closed (expected {% \(ends.sorted().joined(separator: " or ")) %})")
        }
        return (nodes, end)
    }

    private mutating func parseStatement(_ word: String, _ p: inout ExpressionParser, line: Int) throws -> TemplateNode {
        switch word {
        case "if":
            var branches: [(Expression, [TemplateNode])] = []
            var condition = try p.parseTuple(conditional: false)
            try p.expectEnd()
            while true {
                let (nodes, end) = try body(["elif", "else", "endif"], line: line)
                branches.append((condition, nodes))
                var rest = end.rest
                switch end.word {
                case "elif":
                    condition = try rest.parseTuple(conditional: false)
                    try rest.expectEnd()
                case "else":
                    try rest.expectEnd()
                    let (otherwise, close) = try body(["endif"], line: line)
                    try close.rest.expectEnd()
                    return .ifChain(branches, otherwise: otherwise, line: line)
                default:
                    try rest.expectEnd()
                    return .ifChain(branches, otherwise: [], line: line)
                }
            }
        case "for":
            var targets = [try p.expectName()]
            while p.skipOp(",") { targets.append(try p.expectName()) }
            guard p.skipName("in") else { throw p.error("expected 'in' in the for tag") }
            let iterable = try p.parseTuple(conditional: false, extraEnd: { $0.isName("recursive") || $0.isName("if") })
            let filter = p.skipName("if") ? try p.parseExpression() : nil
            if p.skipName("recursive") {
                throw TemplateError(.unsupported, template: template, line: line, "a recursive for loop")
            }
            try p.expectEnd()
            let (loopBody, end) = try body(["else", "endfor"], line: line)
            try end.rest.expectEnd()
            var otherwise: [TemplateNode] = []
            if end.word == "else" {
                let (nodes, close) = try body(["endfor"], line: line)
                try close.rest.expectEnd()
                otherwise = nodes
            }
            return .forLoop(.init(targets: targets, iterable: iterable, filter: filter, body: loopBody,
                                  otherwise: otherwise, line: line))
        case "set":
            let first = try p.expectName()
            var target = TemplateNode.SetTarget.names([first])
            if p.skipOp(".") {
                target = .attribute(first, try p.expectName())
            } else if p.current?.isOp(",") == true {
                var names = [first]
                while p.skipOp(",") { names.append(try p.expectName()) }
                target = .names(names)
            }
            if p.skipOp("=") {
                let value = try p.parseTuple()
                try p.expectEnd()
                return .set(target, value, line: line)
            }
            let filters = try parseFilterChain(&p, inline: false)
            try p.expectEnd()
            let (nodes, end) = try body(["endset"], line: line)
            try end.rest.expectEnd()
            return .setBlock(target, filters: filters, body: nodes, line: line)
        case "macro":
            let name = try p.expectName()
            let parameters = try parseSignature(&p)
            try p.expectEnd()
            let (nodes, end) = try body(["endmacro"], line: line)
            _ = end.rest
            return .macro(.init(name: name, parameters: parameters, body: nodes, line: line))
        case "call":
            let parameters = p.current?.isOp("(") == true ? try parseSignature(&p) : []
            let call = try p.parseExpression()
            guard case .call = call else { throw p.error("expected a macro call in the call tag") }
            try p.expectEnd()
            let (nodes, end) = try body(["endcall"], line: line)
            try end.rest.expectEnd()
            return .callBlock(call, callerParameters: parameters, body: nodes, line: line)
        case "filter":
            let filters = try parseFilterChain(&p, inline: true)
            try p.expectEnd()
            let (nodes, end) = try body(["endfilter"], line: line)
            try end.rest.expectEnd()
            return .filterBlock(filters: filters, body: nodes, line: line)
        case "with":
            var assignments: [(String, Expression)] = []
            while !p.atEnd {
                if !assignments.isEmpty { try p.expectOp(",") }
                let name = try p.expectName()
                try p.expectOp("=")
                assignments.append((name, try p.parseExpression()))
            }
            let (nodes, end) = try body(["endwith"], line: line)
            try end.rest.expectEnd()
            return .with(assignments, body: nodes, line: line)
        case "break": try p.expectEnd(); return .breakLoop(line: line)
        case "continue": try p.expectEnd(); return .continueLoop(line: line)
        case "generation":
            try p.expectEnd()
            let (nodes, end) = try body(["endgeneration"], line: line)
            try end.rest.expectEnd()
            return .generation(nodes, line: line)
        case "include", "import", "from", "extends", "block", "autoescape", "do", "trans":
            throw TemplateError(.unsupported, template: template, line: line, "the {% \(word) %} tag")
        default:
            throw TemplateError(.syntax, template: template, line: line, "unknown tag '\(word)'")
        }
    }

    /// `(a, b=default, …)` of a macro or call block.
    private func parseSignature(_ p: inout ExpressionParser) throws -> [(String, Expression?)] {
        try p.expectOp("(")
        var parameters: [(String, Expression?)] = []
        while !p.skipOp(")") {
            if !parameters.isEmpty { try p.expectOp(",") }
            let name = try p.expectName()
            if p.skipOp("=") {
                parameters.append((name, try p.parseExpression()))
            } else {
                if parameters.contains(where: { $0.1 != nil }) { throw p.error("a parameter without a default follows one with a default") }
                parameters.append((name, nil))
            }
        }
        return parameters
    }

    /// `| f(args) | g` after `set x` or `filter`: the filters in order with their arguments.
    private func parseFilterChain(_ p: inout ExpressionParser, inline: Bool) throws -> [(String, Expression.Arguments)] {
        var filters: [(String, Expression.Arguments)] = []
        var node = try p.parseFilter(nil, inline: inline)
        while case .filter(let inner, let name, let arguments) = node {
            filters.insert((name, arguments), at: 0)
            node = inner
        }
        return filters
    }
}
