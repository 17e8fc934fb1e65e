import Foundation

/// An expression as jinja2's parser builds it (precedence, loosest first: `x if c else y`, `or`,
/// `and`, `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`, unary `- +`, then filters,
/// tests and postfix `. [] ()` bind tightest).
indirect enum Expression {
    case literal(JinjaValue)
    case name(String)
    case list([Expression])
    case tuple([Expression])
    case dict([(Expression, Expression)])
    case attribute(Expression, String)
    case `subscript`(Expression, Expression)
    case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
    case call(Expression, Arguments)
    case filter(Expression, name: String, Arguments)
    case test(Expression, name: String, Arguments, negated: Bool)
    case negate(Expression)
    case plus(Expression)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case binary(String, Expression, Expression)
    case concat([Expression])
    /// `a < b <= c`: each comparison against the previous operand, as in Python.
    case compare(Expression, [(String, Expression)])
    case conditional(condition: Expression, then: Expression, otherwise: Expression?)

    struct Arguments {
        var positional: [Expression] = []
        var keywords: [(String, Expression)] = []
    }
}

/// A statement of the template body.
indirect enum TemplateNode {
    case text(String)
    case output(Expression, line: Int)
    case ifChain([(Expression, [TemplateNode])], otherwise: [TemplateNode], line: Int)
    case forLoop(ForLoop)
    case set(SetTarget, Expression, line: Int)
    /// `{% set x %}…{% endset %}` (optionally `{% set x | filter %}`).
    case setBlock(SetTarget, filters: [(String, Expression.Arguments)], body: [TemplateNode], line: Int)
    case macro(Macro)
    /// `{% call m(args) %}body{% endcall %}`: `caller()` inside the macro renders body.
    case callBlock(Expression, callerParameters: [(String, Expression?)], body: [TemplateNode], line: Int)
    case filterBlock(filters: [(String, Expression.Arguments)], body: [TemplateNode], line: Int)
    case with([(String, Expression)], body: [TemplateNode], line: Int)
    case breakLoop(line: Int)
    case continueLoop(line: Int)
    /// transformers' `{% generation %}`: output as usual, its span recorded as the assistant's.
    case generation([TemplateNode], line: Int)

    struct ForLoop {
        var targets: [String]
        var iterable: Expression
        var filter: Expression?
        var body: [TemplateNode]
        var otherwise: [TemplateNode]
        var line: Int
    }

    struct Macro {
        var name: String
        var parameters: [(String, Expression?)]
        var body: [TemplateNode]
        var line: Int
    }

    enum SetTarget {
        case names([String])
        case attribute(String, String)
    }
}
