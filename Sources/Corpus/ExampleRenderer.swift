import Tokenizer

/// Token ids of one training example and where its loss starts.
public struct TrainingSequence: Sendable, Equatable {
    public var ids: [Int]
    /// Index of the first token the loss scores: position t contributes −log p(ids[t+1]) when
    /// t + 1 ≥ lossStart (the fixtures' `prompt_tokens`). 0 for `text` (every token).
    public var lossStart: Int
    /// True when the sequence was cut to the maximum length.
    public var truncated: Bool

    public init(ids: [Int], lossStart: Int, truncated: Bool) {
        self.ids = ids
        self.lossStart = lossStart
        self.truncated = truncated
    }

    /// How many next-token predictions the loss averages over (0 when truncation removed them all).
    public var lossTokenCount: Int { max(0, ids.count - max(lossStart, 1)) }
}

/// Turns examples into prompts for evaluation and into sequences for training, with one chat
/// template (or `raw`), following mlx-lm's conventions.
///
/// The prompt and the answer are encoded separately and concatenated: the training sequence starts
/// with exactly the ids the model is given at evaluation (`promptIDs`), and the loss covers exactly
/// the answer's tokens. mlx-lm instead encodes the whole text and masks the first
/// `len(encode(prompt))` ids, which moves the boundary by a token if BPE merges across it; with
/// ChatML and Llama 3 the boundary follows a special token and a newline, where both agree.
public struct ExampleRenderer: Sendable {
    public let tokenizer: TextTokenizer
    public let template: ChatTemplate
    /// The system turn the template inserts when a conversation has none (the model's
    /// `defaultSystemMessage`, as HF's `apply_chat_template` would); nil inserts none.
    public let defaultSystem: String?

    public init(tokenizer: TextTokenizer, template: ChatTemplate, defaultSystem: String?) {
        self.tokenizer = tokenizer
        self.template = template
        self.defaultSystem = defaultSystem
    }

    /// The prompt as text: with a chat template, the prompt turns and the generation prompt; with
    /// `raw`, the prompt string (or the prompt turns' contents) as it is.
    public func promptText(for example: Example) throws -> String {
        guard let messages = example.promptMessages else {
            throw CorpusError.cannotRender(line: example.line, reason: "a \"text\" example has no prompt to evaluate")
        }
        if template == .raw, case .promptCompletion(let prompt, _) = example.body { return prompt }
        return template.render(messages, addGenerationPrompt: template != .raw, defaultSystem: defaultSystem)
    }

    /// The prompt's ids, special tokens written in it parsed as special. A chat template writes its
    /// own BOS (Llama 3) or none (ChatML); raw text gets the model's usual BOS.
    public func promptIDs(for example: Example) throws -> [Int] {
        tokenizer.encode(try promptText(for: example), parseSpecial: true, addBOS: template == .raw ? nil : false)
    }

    /// Prompt ids followed by the answer's ids, cut to `maxLength` tokens (the beginning is kept).
    public func trainingSequence(for example: Example, maxLength: Int) throws -> TrainingSequence {
        let prefix: [Int]
        let answer: [Int]
        switch example.body {
        case .text(let text):
            return truncate(appendingEOS(tokenizer.encode(text, parseSpecial: true)), lossStart: 0, maxLength: maxLength)
        case .promptCompletion, .messages:
            guard let completion = example.completion, let promptMessages = example.promptMessages else {
                throw CorpusError.cannotRender(line: example.line,
                                               reason: "the example has no completion or final assistant turn to learn")
            }
            prefix = try promptIDs(for: example)
            if template == .raw {
                answer = appendingEOS(tokenizer.encode(completion, parseSpecial: true, addBOS: false))
            } else {
                let prompt = Array(try promptText(for: example).utf8)
                let conversation = promptMessages + [ChatMessage(role: "assistant", content: completion)]
                let full = Array(template.render(conversation, addGenerationPrompt: false,
                                                 defaultSystem: defaultSystem).utf8)
                guard full.starts(with: prompt) else {
                    throw CorpusError.cannotRender(line: example.line, reason:
                        "the \(template.rawValue) rendering of the conversation does not start with its prompt; use --template raw")
                }
                let rest = String(decoding: full[prompt.count...], as: UTF8.self)
                answer = tokenizer.encode(rest, parseSpecial: true, addBOS: false)
            }
        }
        return truncate(prefix + answer, lossStart: prefix.count, maxLength: maxLength)
    }

    /// Text and raw answers end with EOS so the model learns to stop (mlx-lm appends it to text too).
    private func appendingEOS(_ ids: [Int]) -> [Int] {
        guard let eos = tokenizer.eosID, ids.last != eos else { return ids }
        return ids + [eos]
    }

    private func truncate(_ ids: [Int], lossStart: Int, maxLength: Int) -> TrainingSequence {
        let kept = Array(ids.prefix(max(maxLength, 0)))
        return TrainingSequence(ids: kept, lossStart: min(lossStart, kept.count), truncated: kept.count < ids.count)
    }
}
