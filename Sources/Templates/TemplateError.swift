import Foundation

/// Why a template could not be rendered. Every case names the template and line, so the CLI can
/// print one line and exit 2; the renderer never crashes or hangs on a bad or hostile template.
public struct TemplateError: LocalizedError, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The text is not valid Jinja (an unclosed tag, an unknown operator).
        case syntax
        /// Valid Jinja that Tollgate's interpreter does not implement (`{% include %}`, `recursive` loops).
        case unsupported
        /// The template failed as it would in jinja2: `raise_exception(...)`, an undefined value used,
        /// a type error.
        case runtime
        /// The sandbox stopped the template: a limit reached or a forbidden attribute probed.
        case sandbox
    }

    public var kind: Kind
    /// The template's name (a file path, `tokenizer.chat_template` of a model, or a built-in name).
    public var template: String
    public var line: Int
    public var message: String

    public init(_ kind: Kind, template: String, line: Int, _ message: String) {
        self.kind = kind
        self.template = template
        self.line = line
        self.message = message
    }

    public var errorDescription: String? { description }

    public var description: String {
        switch kind {
        case .syntax: return "\(template):\(line): template syntax error: \(message)"
        case .unsupported:
            return "\(template):\(line): the template uses \(message), which Tollgate's Jinja interpreter does not support; "
                + "pass --template-file with a template that avoids it, or a built-in --template"
        case .runtime: return "\(template):\(line): template error: \(message)"
        case .sandbox: return "\(template):\(line): template stopped by the sandbox: \(message)"
        }
    }
}

/// Errors raised below the renderer, before the template name and line are known.
struct EvaluationFailure: Error {
    var kind: TemplateError.Kind
    var message: String
    init(_ kind: TemplateError.Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    static func runtime(_ message: String) -> EvaluationFailure { .init(.runtime, message) }
    static func unsupported(_ construct: String) -> EvaluationFailure { .init(.unsupported, construct) }
    static func sandbox(_ message: String) -> EvaluationFailure { .init(.sandbox, message) }
}
