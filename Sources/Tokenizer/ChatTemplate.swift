import Foundation

/// One turn of a conversation, as in HF datasets' `messages` (`role` is system, user or assistant).
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat formats Tollgate renders itself, instead of running the model's Jinja template: each case
/// reproduces its family's template string for string.
public enum ChatTemplate: String, CaseIterable, Sendable {
    /// `<|im_start|>role\ncontent<|im_end|>\n` (SmolLM2, Qwen).
    case chatml
    /// `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` (Llama 3).
    case llama3
    /// The message contents joined as they are, no markers (prompt/completion data used verbatim).
    case raw

    /// Recognises a model's `tokenizer.chat_template` by its markers.
    public static func detect(_ templateSource: String?) throws -> ChatTemplate {
        guard let source = templateSource, !source.isEmpty else { throw TokenizerError.missingChatTemplate }
        if source.contains("<|im_start|>") && source.contains("<|im_end|>") { return .chatml }
        if source.contains("<|start_header_id|>") && source.contains("<|eot_id|>") { return .llama3 }
        let excerpt = String(source.prefix(40)).replacingOccurrences(of: "\n", with: "\\n")
        throw TokenizerError.unknownChatTemplate(excerpt: excerpt)
    }

    /// A `--template` choice: `auto` detects the model's own template, the others name one.
    public static func resolve(_ choice: String, model templateSource: String?) throws -> ChatTemplate {
        if choice == "auto" { return try detect(templateSource) }
        guard let template = ChatTemplate(rawValue: choice) else { throw TokenizerError.unknownTemplateChoice(choice) }
        return template
    }

    /// The system message a template inserts when the conversation has none, read from its source:
    /// a literal `<|im_start|>system\n…<|im_end|>` (SmolLM2: "You are a helpful AI assistant named
    /// SmolLM, trained by Hugging Face"; Qwen2.5: "You are Qwen, created by Alibaba Cloud. …").
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

    /// The conversation as the template renders it. `defaultSystem` is inserted as a system turn when
    /// the first message is not one (ChatML and Llama 3; pass the model's `defaultSystemMessage`).
    /// The Llama 3 text starts with `<|begin_of_text|>`: encode it with `addBOS: false`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, defaultSystem: String?) -> String {
        var turns = messages
        if self != .raw, let defaultSystem, let first = messages.first, first.role != "system" {
            turns.insert(ChatMessage(role: "system", content: defaultSystem), at: 0)
        }
        var text = ""
        switch self {
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
        case .raw:
            for turn in turns { text += turn.content }
        }
        return text
    }

    /// Text that ends an assistant turn: generation stops when it appears.
    public var stopStrings: [String] {
        switch self {
        case .chatml: return ["<|im_end|>"]
        case .llama3: return ["<|eot_id|>"]
        case .raw: return []
        }
    }
}

extension TextTokenizer {
    /// Renders a conversation with `template` and encodes it as HF's `apply_chat_template` does:
    /// special tokens parsed, no BOS added beyond what the template writes (raw text gets the
    /// model's usual BOS, as plain `encode` would).
    public func encodeChat(_ messages: [ChatMessage], template: ChatTemplate, addGenerationPrompt: Bool,
                           defaultSystem: String?) -> [Int] {
        encode(template.render(messages, addGenerationPrompt: addGenerationPrompt, defaultSystem: defaultSystem),
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
}
