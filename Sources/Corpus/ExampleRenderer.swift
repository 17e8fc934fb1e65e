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
        return try template.render(messages, addGenerationPrompt: template != .raw, defaultSystem: defaultSystem)
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
            if template == .raw {
                prefix = try promptIDs(for: example)
                answer = appendingEOS(tokenizer.encode(completion, parseSpecial: true, addBOS: false), unlessEnded: true)
            } else {
                let split = try answerSplit(promptMessages, completion: completion, line: example.line)
                prefix = tokenizer.encode(split.prompt, parseSpecial: true, addBOS: false)
                answer = tokenizer.encode(split.answer, parseSpecial: true, addBOS: false)
            }
        }
        return truncate(prefix + answer, lossStart: prefix.count, maxLength: maxLength)
    }

    /// The rendered conversation cut where the loss starts and ends: the prompt before the final
    /// assistant turn's content, and the answer — that content and the end-of-turn marker as the
    /// template renders them, nothing after (the newline ChatML writes after `<|im_end|>` is never
    /// generated, so it is not learned).
    ///
    /// The answer's start: a `{% generation %}` block's span where the template has one; else the
    /// end of the prompt rendered with the generation prompt when the full rendering starts with it
    /// (ChatML, Llama 3, Gemma, Phi); else (DeepSeek-R1's `<think>\n` opener, which the full
    /// rendering does not repeat) where the completion's text is found after the earlier turns.
    public func answerSplit(_ promptMessages: [ChatMessage], completion: String, line: Int) throws -> (prompt: String, answer: String) {
        let conversation = promptMessages + [ChatMessage(role: "assistant", content: completion)]
        let (fullText, spans) = try template.renderWithGenerationSpans(conversation, addGenerationPrompt: false,
                                                                        defaultSystem: defaultSystem)
        let full = Array(fullText.utf8)
        func text(_ range: Range<Int>) -> String { String(decoding: full[range], as: UTF8.self) }
        if let span = spans.last {
            return (text(0..<span.lowerBound), text(span))
        }
        let start: Int
        let prompt = Array(try template.render(promptMessages, addGenerationPrompt: true, defaultSystem: defaultSystem).utf8)
        if full.starts(with: prompt) {
            start = prompt.count
        } else {
            let earlier = Array(try template.render(promptMessages, addGenerationPrompt: false, defaultSystem: defaultSystem).utf8)
            let trimmed = completion.trimmingCharacters(in: .whitespacesAndNewlines)
            guard full.starts(with: earlier),
                  let found = Self.firstRange(of: Array((trimmed.isEmpty ? completion : trimmed).utf8), in: full, from: earlier.count) else {
                throw CorpusError.cannotRender(line: line, reason:
                    "the \(template.name) rendering of the conversation does not contain its prompt and then its answer; use --template raw")
            }
            start = found.lowerBound
        }
        // The first end-of-turn marker after the answer's start closes it.
        let markerEnds = template.stopStrings.compactMap { Self.firstRange(of: Array($0.utf8), in: full, from: start)?.upperBound }
        let end = markerEnds.min() ?? full.count
        return (text(0..<start), text(start..<end))
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty ? start..<start : nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
            i += 1
        }
        return nil
    }

    /// Text and raw answers end with EOS so the model learns to stop (mlx-lm appends it to text too).
    /// `ids` and EOS, unless they end with EOS — or, `unlessEnded`, hold an end-of-turn or EOS token
    /// anywhere (a raw completion that writes its own ending, such as `<|im_end|>\n`, keeps its ids).
    private func appendingEOS(_ ids: [Int], unlessEnded: Bool = false) -> [Int] {
        guard let eos = tokenizer.eosID, ids.last != eos else { return ids }
        if unlessEnded, ids.contains(where: Set(tokenizer.stopTokenIDs(for: .raw)).contains) { return ids }
        return ids + [eos]
    }

    private func truncate(_ ids: [Int], lossStart: Int, maxLength: Int) -> TrainingSequence {
        let kept = Array(ids.prefix(max(maxLength, 0)))
        return TrainingSequence(ids: kept, lossStart: min(lossStart, kept.count), truncated: kept.count < ids.count)
    }
}
