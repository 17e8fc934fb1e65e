import Foundation
import ModelIO
import Tokenizer

/// A model with its tokenizer, ready to turn text prompts into completions (the `generate` and
/// `eval` commands' entry point).
public final class TextGenerator: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: TextTokenizer
    public let generator: Generator
    /// The model's chat template texts and special tokens (named variants only when loaded from a file).
    public let chatTemplates: ModelChatTemplates

    /// Loads the GGUF once for both weights and tokenizer. (Adapters, in either format, are read by
    /// Training's `AdapterLoader` and passed to `init(model:tokenizer:)` through `LlamaModel.load`.)
    public init(modelPath: String) throws {
        let url = URL(fileURLWithPath: modelPath)
        let file = try GGUFFile(url: url)
        model = try LlamaModel.load(file: file)
        tokenizer = try TextTokenizer(gguf: file)
        generator = Generator(model: model, tokenizer: tokenizer)
        chatTemplates = ModelChatTemplates(gguf: file)
    }

    public init(model: LlamaModel, tokenizer: TextTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
        generator = Generator(model: model, tokenizer: tokenizer)
        chatTemplates = tokenizer.chatTemplates
    }

    /// How a text prompt becomes tokens.
    public struct PromptFormat: Sendable {
        /// Wrap the prompt as a user turn in the chat template and open the assistant turn.
        public var chat: Bool
        /// System message for chat (nil: the template's own default).
        public var system: String?
        /// `auto` (the model's template), `chatml`, `llama3`, `raw` or a named variant, with the
        /// template file, variables and date.
        public var templateSettings: TemplateSettings
        /// The template choice alone.
        public var template: String {
            get { templateSettings.choice }
            set { templateSettings.choice = newValue }
        }

        public init(chat: Bool = false, system: String? = nil, template: String = "auto", templateSettings: TemplateSettings? = nil) {
            self.chat = chat
            self.system = system
            self.templateSettings = templateSettings ?? TemplateSettings(choice: template)
        }
    }

    /// Token ids of a prompt and the stop strings its template implies.
    public func encode(_ prompt: String, format: PromptFormat) throws -> (ids: [Int], stopStrings: [String]) {
        guard format.chat else { return (tokenizer.encode(prompt, parseSpecial: true), []) }
        let template = try ChatTemplate.resolve(format.templateSettings, model: chatTemplates)
        var messages: [ChatMessage] = []
        if let system = format.system { messages.append(ChatMessage(role: "system", content: system)) }
        messages.append(ChatMessage(role: "user", content: prompt))
        let ids = try tokenizer.encodeChat(messages, template: template, addGenerationPrompt: true,
                                       defaultSystem: tokenizer.defaultSystemMessage)
        return (ids, template.stopStrings)
    }

    /// Completes one text prompt.
    public func complete(_ prompt: String, format: PromptFormat, settings: GenerationSettings) throws -> GenerationResult {
        try complete([prompt], format: format, settings: settings)[0]
    }

    /// Completes many prompts in batches of `settings.batchSize`.
    public func complete(_ prompts: [String], format: PromptFormat, settings: GenerationSettings,
                         progress: ((GenerationProgress) -> Void)? = nil) throws -> [GenerationResult] {
        var stops = Set(settings.stopStrings)
        var ids: [[Int]] = []
        for prompt in prompts {
            let encoded = try encode(prompt, format: format)
            ids.append(encoded.ids)
            stops.formUnion(encoded.stopStrings)
        }
        var settings = settings
        settings.stopStrings = Array(stops).sorted()
        return try generator.generate(prompts: ids, settings: settings, progress: progress)
    }
}
