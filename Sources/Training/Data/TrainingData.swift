import Corpus
import Foundation
import ModelIO
import Tokenizer

/// JSONL datasets → token sequences for the trainer, through Corpus' parser and renderer.
public enum TrainingData {
    /// The model's tokenizer, read from its GGUF metadata.
    public static func tokenizer(gguf: GGUFFile) throws -> TextTokenizer {
        try TextTokenizer(vocabulary: try TokenizerVocabulary(gguf: gguf))
    }

    /// Reads and tokenizes a training JSONL file. `template` is `auto`, `chatml`, `llama3` or `raw`.
    /// With `raw`, a prompt/completion pair is the prompt's ids followed by the completion's ids and
    /// EOS, so the model learns to stop — unless the completion writes its own end-of-turn or EOS
    /// token, when its ids are used as they are (a conversation split in two keeps its exact ids).
    public static func load(path: String, gguf: GGUFFile, template choice: String, maxLength: Int) throws -> [TokenSequence] {
        try load(path: path, gguf: gguf, templateSettings: TemplateSettings(choice: choice), maxLength: maxLength)
    }

    /// As `load(path:gguf:template:maxLength:)` with every template choice (file, variables, date).
    public static func load(path: String, gguf: GGUFFile, templateSettings: TemplateSettings, maxLength: Int) throws -> [TokenSequence] {
        let tokenizer = try tokenizer(gguf: gguf)
        let template = try ChatTemplate.resolve(templateSettings, model: ModelChatTemplates(gguf: gguf))
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: template,
                                       defaultSystem: template == .raw ? nil : tokenizer.defaultSystemMessage)
        let examples = try ExampleParser.load(path: path, purpose: .training)
        var sequences: [TokenSequence] = []
        for example in examples {
            let sequence = try renderer.trainingSequence(for: example, maxLength: .max)
            let ids = sequence.ids, lossStart = sequence.lossStart
            if ids.count > maxLength { throw TrainingError.sequenceTooLong(length: ids.count, limit: maxLength, file: path, line: example.line) }
            sequences.append(TokenSequence(tokens: ids.map { Int32($0) }, lossStart: lossStart))
        }
        guard sequences.contains(where: { $0.lossTokens > 0 }) else { throw TrainingError.noTrainingTokens(file: path) }
        return sequences
    }
}
