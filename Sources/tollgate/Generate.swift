import ArgumentParser
import Foundation
import Llama
import Training
import Tokenizer
import ModelIO
import TensorKit

/// `tollgate generate`: continue one prompt with a model (and optionally a LoRA adapter).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate a completion for PROMPT.")

    @Option(help: "GGUF model file.")
    var model: String

    @Option(help: "LoRA adapter: a PEFT folder or a llama.cpp LoRA GGUF.")
    var adapter: String?

    @Flag(help: "Wrap PROMPT as a user turn in the chat template.")
    var chat = false

    @Option(help: "System message for --chat (default: the template's own).")
    var system: String?

    @OptionGroup(title: "Chat template (for --chat)") var templateOptions: TemplateOptions

    @Option(help: "Largest number of new tokens.")
    var maxTokens: Int = 256

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass.")
    var topP: Float = 1

    @Option(help: "Random seed for sampling.")
    var seed: UInt64 = 0

    @Option(help: "Stop when the completion contains this text (repeatable).")
    var stop: [String] = []

    @Option(help: "Also report the K largest logits at the last prompt position (with --json).")
    var topLogits: Int = 0

    @Option(help: "Threads for OpenBLAS and the kernels (default: all cores).")
    var threads: Int?

    @Option(help: PrecisionOption.help)
    var precision: String = "f32"

    @Flag(help: "Print a JSON object instead of the text.")
    var json = false

    @Argument(help: "The prompt (special tokens such as <|im_start|> are parsed as special).")
    var prompt: String

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be 0 or more.") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 (greedy) or positive.") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1].") }
        guard topLogits >= 0 else { throw ValidationError("--top-logits must be 0 or more.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        _ = try PrecisionOption.parse(precision)
    }

    func run() throws {
        try reportingInvalidInput {
            if let threads { ThreadSettings.apply(threads) }
            let generator = try Generate.textGenerator(model: model, adapter: adapter,
                                                       precision: try PrecisionOption.parse(precision))
            let settings = GenerationSettings(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: seed,
                                              stopStrings: stop, batchSize: 1, topLogits: topLogits)
            let format = TextGenerator.PromptFormat(chat: chat, system: system, templateSettings: try templateOptions.settings())
            let result = try generator.complete(prompt, format: format, settings: settings)
            guard json else {
                printOutput(result.text)
                return
            }
            let object: [String: Any] = [
                "text": result.text,
                "ids": result.ids,
                "prompt_tokens": result.promptTokens,
                "completion_tokens": result.completionTokens,
                "seconds": result.seconds,
                "finish_reason": result.finishReason.rawValue,
                "top_logits": result.topLogits.map { [$0.id, Double($0.logit)] as [Any] },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            printOutput(String(decoding: data, as: UTF8.self))
        }
    }
}

extension Generate {
    /// The model with its tokenizer and, if given, an adapter in either format.
    static func textGenerator(model: String, adapter: String?, precision: ComputePrecision = .f32) throws -> TextGenerator {
        let url = URL(fileURLWithPath: model)
        let file = try GGUFFile(url: url)
        let loaded = try adapter.map { try AdapterLoader.load(path: $0, model: url) }
        return TextGenerator(model: try LlamaModel.load(file: file, adapter: loaded, precision: precision),
                             tokenizer: try TextTokenizer(gguf: file))
    }
}
