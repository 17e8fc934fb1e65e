import Foundation
import Templates

/// One turn of a conversation, as in HF datasets' `messages` (`role` is system, user or assistant).
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// How a conversation becomes a prompt. By default (`auto`) the model's own Jinja template
/// (`tokenizer.chat_template`), rendered exactly as transformers renders it (Templates); or a named
/// variant (`tokenizer.chat_template.NAME`), a template file, or one of three built-in shorthands
/// that Tollgate renders itself:
/// - `chatml`: `<|im_start|>role\ncontent<|im_end|>\n` (SmolLM2, Qwen);
/// - `llama3`: `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`;
/// - `raw`: the message contents joined as they are, no markers (also what a model without a
///   template, such as a base model, uses unless one is named).
public struct ChatTemplate: Sendable, Equatable {
    public enum Kind: String, Sendable { case chatml, llama3, raw, jinja }

    public let kind: Kind
    /// What the template is called in messages and records: "chatml", "llama3", "raw",
    /// "tokenizer.chat_template", "tokenizer.chat_template.tool_use", or the file's path.
    public let name: String
    /// The Jinja text (jinja templates only).
    public let source: String?
    /// Variables besides `messages` and `add_generation_prompt`: the model's `bos_token` and
    /// `eos_token`, then `--template-var`s (which win).
    public let variables: [String: JinjaValue]
    /// What `strftime_now` reads; nil is the current time (`--template-date` pins it).
    public let date: Date?
    private let compiled: JinjaTemplate?

    public static let chatml = ChatTemplate(builtIn: .chatml)
    public static let llama3 = ChatTemplate(builtIn: .llama3)
    public static let raw = ChatTemplate(builtIn: .raw)

    private init(builtIn kind: Kind) {
        self.kind = kind
        name = kind.rawValue
        source = nil
        variables = [:]
        date = nil
        compiled = nil
    }

    /// A Jinja template; parsing errors (syntax, unsupported constructs) are thrown here.
    public init(jinja source: String, name: String, variables: [String: JinjaValue] = [:], date: Date? = nil) throws {
        kind = .jinja
        self.name = name
        self.source = source
        self.variables = variables
        self.date = date
        compiled = try JinjaTemplate(source: source, name: name)
    }

    /// The name as earlier versions spelled the choice ("chatml", …; a Jinja template's name).
    public var rawValue: String { name }

    public static func == (a: ChatTemplate, b: ChatTemplate) -> Bool {
        a.kind == b.kind && a.name == b.name && a.source == b.source && a.date == b.date && a.variables == b.variables
    }

    /// Recognises a model's `tokenizer.chat_template` as one of the built-in formats by its markers
    /// (what `inspect` reports as the family of the template).
    public static func detect(_ templateSource: String?) throws -> ChatTemplate {
        guard let source = templateSource, !source.isEmpty else { throw TokenizerError.missingChatTemplate }
        if source.contains("<|im_start|>") && source.contains("<|im_end|>") { return .chatml }
        if source.contains("<|start_header_id|>") && source.contains("<|eot_id|>") { return .llama3 }
        let excerpt = String(source.prefix(40)).replacingOccurrences(of: "\n", with: "\\n")
        throw TokenizerError.unknownChatTemplate(excerpt: excerpt)
    }

    /// A `--template` choice against a model's template text alone (no special tokens, no settings).
    public static func resolve(_ choice: String, model templateSource: String?) throws -> ChatTemplate {
        try resolve(TemplateSettings(choice: choice), model: ModelChatTemplates(source: templateSource))
    }

    /// The template `settings` select for a model: a file, a built-in, a named variant of the
    /// model's, or (`auto`) the model's own — raw when the model has none.
    public static func resolve(_ settings: TemplateSettings, model: ModelChatTemplates) throws -> ChatTemplate {
        let date = try settings.pinnedDate()
        var variables: [String: JinjaValue] = [:]
        if let bos = model.bosToken { variables["bos_token"] = .string(bos) }
        if let eos = model.eosToken { variables["eos_token"] = .string(eos) }
        for (key, value) in try settings.parsedVariables() { variables[key] = value }
        if let path = settings.file {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ChatTemplateError.unreadableFile(path)
            }
            return try ChatTemplate(jinja: text, name: path, variables: variables, date: date)
        }
        switch settings.choice {
        case "chatml": return .chatml
        case "llama3": return .llama3
        case "raw": return .raw
        case "auto":
            guard let source = model.source, !source.isEmpty else { return .raw }
            return try ChatTemplate(jinja: source, name: "tokenizer.chat_template", variables: variables, date: date)
        default:
            guard let source = model.named[settings.choice] else {
                throw ChatTemplateError.unknownChoice(settings.choice, variants: model.named.keys.sorted())
            }
            return try ChatTemplate(jinja: source, name: "tokenizer.chat_template.\(settings.choice)", variables: variables, date: date)
        }
    }

    /// The system message a template inserts when the conversation has none, read from its source:
    /// a literal `<|im_start|>system\n…<|im_end|>` (SmolLM2: "You are a helpful AI assistant named
    /// SmolLM, trained by Hugging Face"; Qwen2.5: "You are Qwen, created by Alibaba Cloud. …").
    /// Only the built-in `chatml` needs it; a Jinja template inserts its own.
    public static func defaultSystemMessage(in templateSource: String?) -> String? {
        guard let source = templateSource else { return nil }
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var searchStart = source.startIndex
            while let open = source.range(of: opener, range: searchStart..<source.endIndex) {
                searchStart = open.upperBound
                guard let close = source.range(of: "<|im_end|>", range: open.upperBound..<source.endIndex) else { break }
                let literal = source[open.upperBound..<close.lowerBound]
                // Anything Jinja would compute (quotes closing the literal, expressions) is not a default.
                if literal.isEmpty || literal.contains(where: { "'\"{}".contains($0) }) { continue }
                return String(literal)
            }
        }
        return nil
    }

    /// The conversation as the template renders it. `defaultSystem` is inserted as a system turn by
    /// the built-in ChatML and Llama 3 formats when the first message is not one (pass the model's
    /// `defaultSystemMessage`); a Jinja template ignores it and does what its text says. Throws the
    /// template's own errors (`raise_exception`, a role it does not accept) and the sandbox's.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, defaultSystem: String?) throws -> String {
        if let compiled {
            return try compiled.render(jinjaVariables(messages, addGenerationPrompt: addGenerationPrompt), now: date ?? Date()).text
        }
        return renderBuiltIn(messages, addGenerationPrompt: addGenerationPrompt, defaultSystem: defaultSystem)
    }

    /// The Jinja rendering with the UTF-8 byte ranges of its `{% generation %}` blocks (empty for
    /// the built-ins and for templates without such blocks).
    public func renderWithGenerationSpans(_ messages: [ChatMessage], addGenerationPrompt: Bool,
                                          defaultSystem: String?) throws -> (text: String, spans: [Range<Int>]) {
        guard let compiled else { return (renderBuiltIn(messages, addGenerationPrompt: addGenerationPrompt, defaultSystem: defaultSystem), []) }
        let rendering = try compiled.render(jinjaVariables(messages, addGenerationPrompt: addGenerationPrompt), now: date ?? Date())
        return (rendering.text, rendering.generationSpans)
    }

    /// What transformers passes to `render`: the messages as dicts, the flag, tools and documents
    /// as None, the special tokens and the user's variables.
    private func jinjaVariables(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [String: JinjaValue] {
        var all = variables
        all["messages"] = .list(messages.map { .dict(JinjaDict([("role", .string($0.role)), ("content", .string($0.content))])) })
        all["add_generation_prompt"] = .bool(addGenerationPrompt)
        if all["tools"] == nil { all["tools"] = JinjaValue.none }
        if all["documents"] == nil { all["documents"] = JinjaValue.none }
        return all
    }

    private func renderBuiltIn(_ messages: [ChatMessage], addGenerationPrompt: Bool, defaultSystem: String?) -> String {
        var turns = messages
        if kind != .raw, let defaultSystem, let first = messages.first, first.role != "system" {
            turns.insert(ChatMessage(role: "system", content: defaultSystem), at: 0)
        }
        var text = ""
        switch kind {
        case .chatml:
            for turn in turns { text += "<|im_start|>\(turn.role)\n\(turn.content)<|im_end|>\n" }
            if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        case .llama3:
            text = "<|begin_of_text|>"
            for turn in turns {
                let content = turn.content.trimmingCharacters(in: .whitespacesAndNewlines)
                text += "<|start_header_id|>\(turn.role)<|end_header_id|>\n\n\(content)<|eot_id|>"
            }
            if addGenerationPrompt { text += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .raw, .jinja:
            for turn in turns { text += turn.content }
        }
        return text
    }

    /// End-of-turn markers of the families Tollgate runs, in the order they are tried.
    static let endOfTurnMarkers = ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<｜end▁of▁sentence｜>", "</s>"]

    /// Text that ends an assistant turn: generation stops when it appears. For a Jinja template, the
    /// end-of-turn markers its text writes, and the model's EOS.
    public var stopStrings: [String] {
        switch kind {
        case .chatml: return ["<|im_end|>"]
        case .llama3: return ["<|eot_id|>"]
        case .raw: return []
        case .jinja:
            var stops = Self.endOfTurnMarkers.filter { source?.contains($0) == true }
            if case .string(let eos)? = variables["eos_token"], !eos.isEmpty, !stops.contains(eos),
               source?.contains("eos_token") == true {
                stops.append(eos)
            }
            return stops
        }
    }
}

extension TextTokenizer {
    /// Renders a conversation with `template` and encodes it as HF's `apply_chat_template` does:
    /// special tokens parsed, no BOS added beyond what the template writes (raw text gets the
    /// model's usual BOS, as plain `encode` would).
    public func encodeChat(_ messages: [ChatMessage], template: ChatTemplate, addGenerationPrompt: Bool,
                           defaultSystem: String?) throws -> [Int] {
        encode(try template.render(messages, addGenerationPrompt: addGenerationPrompt, defaultSystem: defaultSystem),
               parseSpecial: true, addBOS: template == .raw ? nil : false)
    }

    /// Token ids that end generation under `template`: its stop strings that are single tokens, EOS,
    /// and the vocabulary's other end-of-generation tokens (`endOfGenerationIDs`, as llama.cpp stops on).
    public func stopTokenIDs(for template: ChatTemplate) -> [Int] {
        var ids = template.stopStrings.compactMap { tokenID($0) }
        if let eosID, !ids.contains(eosID) { ids.append(eosID) }
        for id in endOfGenerationIDs where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The system message the model's own template inserts when a conversation has none.
    public var defaultSystemMessage: String? { ChatTemplate.defaultSystemMessage(in: chatTemplateSource) }

    /// The model's template text and special tokens, as `ChatTemplate.resolve` needs them.
    public var chatTemplates: ModelChatTemplates {
        ModelChatTemplates(source: chatTemplateSource, named: [:],
                           bosToken: bosID.map(tokenString), eosToken: eosID.map(tokenString))
    }
}
