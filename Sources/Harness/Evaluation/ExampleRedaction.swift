import Corpus
import Privacy

extension EvaluationRequest {
    /// The examples as this evaluation sends them to the model, stores and reports them: redacted
    /// when `decoding.redact` names kinds, else unchanged.
    func redacted(_ examples: [Example]) -> [Example] {
        let redactor = Redactor(kinds: decoding.redact)
        return redactor.isEmpty ? examples : examples.map(redactor.redact)
    }
}

extension Redactor {
    /// The example with personal data replaced in every text a model or a report sees: the prompt,
    /// the completion, every message and every reference, numbered together so that one card
    /// number is `<CARD_1>` in the question and in the gold answer alike. Done once, before the
    /// prompt is rendered and tokenized; the id and line number are kept.
    public func redact(_ example: Example) -> Example {
        var texts: [String]
        switch example.body {
        case .promptCompletion(let prompt, let completion): texts = [prompt] + (completion.map { [$0] } ?? [])
        case .messages(let messages): texts = messages.map(\.content)
        case .text(let text): texts = [text]
        }
        let bodyCount = texts.count
        texts = redact(texts + example.references)
        var redacted = example
        switch example.body {
        case .promptCompletion(_, let completion):
            redacted.body = .promptCompletion(prompt: texts[0], completion: completion == nil ? nil : texts[1])
        case .messages(let messages):
            redacted.body = .messages(zip(messages, texts).map { message, content in
                var copy = message
                copy.content = content
                return copy
            })
        case .text:
            redacted.body = .text(texts[0])
        }
        redacted.references = Array(texts[bodyCount...])
        return redacted
    }
}
