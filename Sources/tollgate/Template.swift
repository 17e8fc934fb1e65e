import ArgumentParser
import Corpus
import Foundation
import ModelIO
import Tokenizer

/// `tollgate template (--model M | --template-file F) --messages FILE.json [--add-generation-prompt]
/// [--template-var K=V …] [--template-date D] [--tokens] [--json]`: what a model's chat template
/// makes of a conversation — the exact text, and with --tokens the token ids with the training mask
/// (1 where the loss is taken: the final assistant turn's content and end-of-turn marker).
struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a chat template makes of a conversation (text, token ids, training mask).")

    @Option(help: "GGUF model whose template (and tokenizer) to use.")
    var model: String?

    @OptionGroup(title: "Template") var templateOptions: TemplateOptions

    @Option(help: "JSON file: a list of {\"role\", \"content\"} messages, or {\"messages\": [...]}.")
    var messages: String

    @Flag(help: "Open an assistant turn after the conversation, as for generation.")
    var addGenerationPrompt = false

    @Flag(help: "Also print the token ids, each with 1 where training takes the loss (needs --model).")
    var tokens = false

    @Flag(help: "Print {\"template\", \"text\", \"ids\", \"tokens\", \"mask\"} as JSON.")
    var json = false

    func validate() throws {
        if model == nil && templateOptions.templateFile == nil {
            throw ValidationError("Pass --model (its own template) or --template-file.")
        }
        if tokens && model == nil { throw ValidationError("--tokens needs --model (the tokenizer).") }
    }

    func run() throws {
        try reportingInvalidInput {
            let conversation = try TemplateCommandInput.messages(path: messages)
            let gguf = try model.map { try GGUFFile(url: URL(fileURLWithPath: $0)) }
            let tokenizer = try gguf.map { try TextTokenizer(gguf: $0) }
            let modelTemplates = gguf.map(ModelChatTemplates.init(gguf:)) ?? ModelChatTemplates(source: nil)
            let template = try ChatTemplate.resolve(try templateOptions.settings(), model: modelTemplates)
            let text = try template.render(conversation, addGenerationPrompt: addGenerationPrompt,
                                           defaultSystem: tokenizer?.defaultSystemMessage)
            var output = TemplateOutput(template: template.name, text: text)
            if tokens, let tokenizer {
                let masked = try TemplateCommandInput.maskedIDs(conversation, template: template, tokenizer: tokenizer,
                                                                addGenerationPrompt: addGenerationPrompt, text: text)
                output.ids = masked.ids
                output.mask = masked.mask
                output.tokens = masked.ids.map(tokenizer.tokenString)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                printOutput(String(decoding: try encoder.encode(output), as: UTF8.self))
                return
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if !text.hasSuffix("\n") { printOutput("") }
            if let ids = output.ids, let mask = output.mask, let pieces = output.tokens {
                printOutput("\nid\tmask\ttoken")
                printOutput(zip(ids, zip(mask, pieces)).map { "\($0)\t\($1.0)\t\($1.1.debugDescription)" }.joined(separator: "\n"))
            }
        }
    }
}

private struct TemplateOutput: Encodable {
    var template: String
    var text: String
    var ids: [Int]?
    var tokens: [String]?
    var mask: [Int]?
}

/// Reading the conversation file and masking its tokens as training does.
enum TemplateCommandInput {
    struct MessagesFileError: LocalizedError {
        var path: String
        var reason: String
        var errorDescription: String? { "\(path): \(reason); write a JSON list of {\"role\": …, \"content\": …} messages" }
    }

    static func messages(path: String) throws -> [ChatMessage] {
        guard let data = FileManager.default.contents(atPath: path) else { throw MessagesFileError(path: path, reason: "cannot read the file") }
        struct Wrapped: Decodable { var messages: [ChatMessage] }
        if let list = try? JSONDecoder().decode([ChatMessage].self, from: data) { return list }
        if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) { return wrapped.messages }
        throw MessagesFileError(path: path, reason: "not a list of messages with string role and content")
    }

    /// The rendering's ids, and the training mask when the conversation ends with an assistant turn
    /// (all zeros otherwise, and with the generation prompt: nothing is learned from a prompt).
    static func maskedIDs(_ conversation: [ChatMessage], template: ChatTemplate, tokenizer: TextTokenizer,
                          addGenerationPrompt: Bool, text: String) throws -> (ids: [Int], mask: [Int]) {
        if !addGenerationPrompt, template != .raw, let last = conversation.last, last.role == "assistant" {
            let renderer = ExampleRenderer(tokenizer: tokenizer, template: template, defaultSystem: tokenizer.defaultSystemMessage)
            let split = try renderer.answerSplit(Array(conversation.dropLast()), completion: last.content, line: 0)
            let prompt = tokenizer.encode(split.prompt, parseSpecial: true, addBOS: false)
            let answer = tokenizer.encode(split.answer, parseSpecial: true, addBOS: false)
            return (prompt + answer, Array(repeating: 0, count: prompt.count) + Array(repeating: 1, count: answer.count))
        }
        let ids = tokenizer.encode(text, parseSpecial: true, addBOS: template == .raw ? nil : false)
        return (ids, Array(repeating: 0, count: ids.count))
    }
}
