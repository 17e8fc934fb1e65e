import Foundation

/// A parsed Jinja template, ready to render any number of times.
///
///     let template = try JinjaTemplate(source: text, name: "SmolLM2 tokenizer.chat_template")
///     let rendered = try template.render(["messages": …, "add_generation_prompt": .bool(true)])
///
/// Rendering is sandboxed: the template sees only the variables passed in and the globals of
/// `Globals`, and is stopped (`TemplateError.Kind.sandbox`) when it exceeds `SandboxLimits`.
public struct JinjaTemplate: @unchecked Sendable {
    public let name: String
    let nodes: [TemplateNode]

    public init(source: String, name: String) throws {
        self.name = name
        var lexer = TemplateLexer(source: source, name: name)
        var parser = TemplateParser(pieces: try lexer.pieces(), template: name)
        nodes = try parser.parse()
    }

    /// The rendered text and where `{% generation %}` blocks put their output (UTF-8 byte offsets).
    public struct Rendering: Sendable, Equatable {
        public var text: String
        public var generationSpans: [Range<Int>]
    }

    /// Renders with `variables`; `now` is what `strftime_now` reads (pin it for reproducible prompts).
    /// Runs on a thread of its own with a large stack, so deep but legal templates cannot overflow it.
    public func render(_ variables: [String: JinjaValue], now: Date = Date(),
                       limits: SandboxLimits = .standard) throws -> Rendering {
        final class Box: @unchecked Sendable { var result: Result<Rendering, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let nodes = self.nodes, name = self.name
        let thread = Thread {
            box.result = Result {
                let renderer = Renderer(template: name, limits: limits, now: now)
                try renderer.run(nodes, scope: Scope(parent: nil, variables))
                return Rendering(text: renderer.output, generationSpans: renderer.generationSpans)
            }
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}
