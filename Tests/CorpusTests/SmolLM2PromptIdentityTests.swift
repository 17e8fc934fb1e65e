import Corpus
import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// SmolLM2's own Jinja template (what `--template auto` now renders) gives byte for byte the prompts
/// the built-in ChatML with its default system message gave before, over the demo's dataset, so the
/// demo's evaluation prompts do not move.
struct SmolLM2PromptIdentityTests {
    static let root = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()

    static func examples() throws -> [Example] {
        try ["train.jsonl", "holdout.jsonl"].flatMap {
            try ExampleParser.load(path: root.appendingPathComponent("Datasets/support-routing/\($0)").path, purpose: .evaluation)
        }
    }

    @Test func ownTemplateRendersTheSamePromptsAsBuiltInChatML() throws {
        let source = try String(contentsOf: Fixtures.url("templates/jinja/HuggingFaceTB-SmolLM2-135M-Instruct.jinja"), encoding: .utf8)
        let own = try ChatTemplate.resolve(TemplateSettings(), model: ModelChatTemplates(source: source, bosToken: "<|im_start|>", eosToken: "<|im_end|>"))
        #expect(own.kind == .jinja)
        #expect(own.stopStrings == ChatTemplate.chatml.stopStrings)
        let defaultSystem = ChatTemplate.defaultSystemMessage(in: source)
        #expect(defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let examples = try Self.examples()
        #expect(examples.count > 100)
        for example in examples {
            let prompt = example.promptMessages!
            let before = try ChatTemplate.chatml.render(prompt, addGenerationPrompt: true, defaultSystem: defaultSystem)
            #expect(try own.render(prompt, addGenerationPrompt: true, defaultSystem: defaultSystem) == before, "line \(example.line)")
            if let completion = example.completion {
                let full = prompt + [ChatMessage(role: "assistant", content: completion)]
                #expect(try own.render(full, addGenerationPrompt: false, defaultSystem: defaultSystem)
                        == (try ChatTemplate.chatml.render(full, addGenerationPrompt: false, defaultSystem: defaultSystem)))
            }
        }
    }

    @Test func modelsOwnTemplateGivesTheSamePromptIDs() throws {
        guard let model = Fixtures.smolLM2 else { return }
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: model))
        let own = try ChatTemplate.resolve("auto", model: tokenizer.chatTemplateSource)
        let ownRenderer = ExampleRenderer(tokenizer: tokenizer, template: own, defaultSystem: tokenizer.defaultSystemMessage)
        let before = ExampleRenderer(tokenizer: tokenizer, template: .chatml, defaultSystem: tokenizer.defaultSystemMessage)
        for example in try Self.examples() {
            #expect(try ownRenderer.promptIDs(for: example) == before.promptIDs(for: example))
        }
    }
}
