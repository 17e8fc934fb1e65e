import Tokenizer

/// One validated dataset example, in any of the three JSONL formats.
public struct Example: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// `{"prompt", "completion"}`; the completion may be absent in an eval set that gives `references`.
        case promptCompletion(prompt: String, completion: String?)
        /// `{"messages": [...]}`; ends with the assistant turn to learn or score, unless the eval set
        /// gives `references` (then every turn is prompt).
        case messages([ChatMessage])
        /// `{"text"}`: training only, loss on every token.
        case text(String)
    }

    /// The example's `"id"` (a string, or an integer written as one).
    public var id: String?
    public var body: Body
    /// The golds to score against: `"references"` when given, else the completion or final assistant turn.
    public var references: [String]
    /// Line number in the file (from 1), for messages that point back at it.
    public var line: Int

    public init(id: String? = nil, body: Body, references: [String], line: Int) {
        self.id = id
        self.body = body
        self.references = references
        self.line = line
    }

    /// The turns a chat template renders as the prompt: the user turn of a prompt/completion pair, or
    /// the messages before the final assistant turn. Nil for `text`.
    public var promptMessages: [ChatMessage]? {
        switch body {
        case .promptCompletion(let prompt, _):
            return [ChatMessage(role: "user", content: prompt)]
        case .messages(let messages):
            if let last = messages.last, last.role == "assistant" { return Array(messages.dropLast()) }
            return messages
        case .text:
            return nil
        }
    }

    /// The text the model should produce: the completion, or the final assistant turn's content.
    public var completion: String? {
        switch body {
        case .promptCompletion(_, let completion):
            return completion
        case .messages(let messages):
            guard let last = messages.last, last.role == "assistant" else { return nil }
            return last.content
        case .text:
            return nil
        }
    }
}
