import Corpus
import Foundation
import ModelIO
import Tokenizer

/// JSONL datasets → token sequences for the trainer, through Corpus' parser and renderer.
public enum TrainingData {
    /// The model's tokenizer, read from its GGUF metadata.
    public static func tokenizer(gguf: GGUFFile) throws -> BPETokenizer {
        guard let tokens = gguf.stringArray("tokenizer.ggml.tokens") else {
            throw TrainingError.io(path: gguf.url.path, reason: "metadata tokenizer.ggml.tokens is missing; the GGUF carries no tokenizer")
        }
        let vocabulary = TokenizerVocabulary(
            tokens: tokens, tokenTypes: (gguf.intArray("tokenizer.ggml.token_type") ?? []).map { Int32($0) },
            merges: gguf.stringArray("tokenizer.ggml.merges") ?? [], model: gguf.string("tokenizer.ggml.model") ?? "gpt2",
            pre: gguf.string("tokenizer.ggml.pre") ?? "gpt2", bosID: gguf.int("tokenizer.ggml.bos_token_id"),
            eosID: gguf.int("tokenizer.ggml.eos_token_id"), padID: gguf.int("tokenizer.ggml.padding_token_id"),
            unknownID: gguf.int("tokenizer.ggml.unknown_token_id"), addBOS: gguf.bool("tokenizer.ggml.add_bos_token") ?? false,
            addEOS: gguf.bool("tokenizer.ggml.add_eos_token") ?? false, chatTemplate: gguf.string("tokenizer.chat_template"))
        return try BPETokenizer(vocabulary: vocabulary)
    }

    /// Reads and tokenizes a training JSONL file. `template` is `auto`, `chatml`, `llama3` or `raw`.
    /// With `raw`, a prompt/completion pair is the prompt's ids followed by the completion's ids,
    /// both used as they are (no EOS added), so a conversation split in two gives its exact ids.
    public static func load(path: String, gguf: GGUFFile, template choice: String, maxLength: Int) throws -> [TokenSequence] {
        let tokenizer = try tokenizer(gguf: gguf)
        let template = try ChatTemplate.resolve(choice, model: gguf.string("tokenizer.chat_template"))
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: template,
                                       defaultSystem: template == .raw ? nil : tokenizer.defaultSystemMessage)
        let examples = try ExampleParser.load(path: path, purpose: .training)
        var sequences: [TokenSequence] = []
        for example in examples {
            let ids: [Int], lossStart: Int
            if template == .raw, case .promptCompletion(let prompt, let completion?) = example.body {
                let prefix = tokenizer.encode(prompt, parseSpecial: true)
                ids = prefix + tokenizer.encode(completion, parseSpecial: true, addBOS: false)
                lossStart = prefix.count
            } else {
                let sequence = try renderer.trainingSequence(for: example, maxLength: .max)
                ids = sequence.ids
                lossStart = sequence.lossStart
            }
            if ids.count > maxLength { throw TrainingError.sequenceTooLong(length: ids.count, limit: maxLength, file: path, line: example.line) }
            sequences.append(TokenSequence(tokens: ids.map { Int32($0) }, lossStart: lossStart))
        }
        guard sequences.contains(where: { $0.lossTokens > 0 }) else { throw TrainingError.noTrainingTokens(file: path) }
        return sequences
    }
}
