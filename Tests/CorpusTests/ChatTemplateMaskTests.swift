import Corpus
import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// The loss covers the final assistant turn as each family's own template renders it: its content
/// and end-of-turn marker, nothing before (headers, the prompt) and nothing after (the newline
/// ChatML writes after `<|im_end|>`).
struct ChatTemplateMaskTests {
    struct Family: CustomTestStringConvertible, Sendable {
        var template: String
        var endOfTurn: String
        /// The vocabulary (Tests/Fixtures/vocab, or `gemma3` for Gemma 3 270M's from models/) for the
        /// token-level check; nil where no fixture vocabulary holds the template's markers.
        var vocabulary: String?
        var variables: [String: String] = [:]
        var testDescription: String { template }
    }

    static let families: [Family] = [
        Family(template: "HuggingFaceTB-SmolLM2-135M-Instruct.jinja", endOfTurn: "<|im_end|>", vocabulary: nil),
        // SmolLM3's vocabulary is Llama 3's with ChatML's markers added: no fixture vocabulary has them.
        Family(template: "HuggingFaceTB-SmolLM3-3B.jinja", endOfTurn: "<|im_end|>", vocabulary: nil,
               variables: ["enable_thinking": "false"]),
        Family(template: "Qwen-Qwen2.5-7B-Instruct.jinja", endOfTurn: "<|im_end|>", vocabulary: "ggml-vocab-qwen2.gguf"),
        // Qwen3 writes an empty <think> block before an answer given without thinking: the block
        // belongs to the prompt when thinking is off, as at generation.
        Family(template: "Qwen-Qwen3-0.6B.jinja", endOfTurn: "<|im_end|>", vocabulary: "ggml-vocab-qwen2.gguf",
               variables: ["enable_thinking": "false"]),
        Family(template: "meta-llama-Llama-3.1-8B-Instruct.jinja", endOfTurn: "<|eot_id|>", vocabulary: "ggml-vocab-llama-bpe.gguf"),
        Family(template: "meta-llama-Llama-3.2-3B-Instruct.jinja", endOfTurn: "<|eot_id|>", vocabulary: "ggml-vocab-llama-bpe.gguf"),
        Family(template: "meta-llama-Llama-3.3-70B-Instruct.jinja", endOfTurn: "<|eot_id|>", vocabulary: "ggml-vocab-llama-bpe.gguf"),
        Family(template: "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", endOfTurn: "<｜end▁of▁sentence｜>", vocabulary: nil),
        Family(template: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", endOfTurn: "<｜end▁of▁sentence｜>", vocabulary: nil),
        Family(template: "google-gemma-2-2b-it.jinja", endOfTurn: "<end_of_turn>", vocabulary: "gemma3"),
        Family(template: "microsoft-Phi-3.5-mini-instruct.jinja", endOfTurn: "<|end|>", vocabulary: "ggml-vocab-phi-3.gguf"),
        Family(template: "mistralai-Mistral-Nemo-Instruct-2407.jinja", endOfTurn: "</s>", vocabulary: nil),
        Family(template: "Mistral-Small-3.2-24B-Instruct-2506.jinja", endOfTurn: "</s>", vocabulary: nil),
    ]

    static let conversations: [[ChatMessage]] = [
        [ChatMessage(role: "user", content: "I was charged twice this month."), ChatMessage(role: "assistant", content: "billing")],
        [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello! How can I help?"),
         ChatMessage(role: "user", content: "Grüß dich, où est mon colis? 🚚"), ChatMessage(role: "assistant", content: "It ships Monday.\nTrack it online.")],
    ]

    /// The model's template as a GGUF would carry it, with the special tokens transformers passes.
    static func template(_ family: Family) throws -> ChatTemplate {
        let fixtures = Fixtures.url("templates")
        let source = try String(contentsOf: fixtures.appendingPathComponent("jinja/\(family.template)"), encoding: .utf8)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent(
            "expected/\(family.template.dropLast(6)).json"))) as! [String: Any]
        let tokens = expected["variables"] as! [String: String]
        let models = ModelChatTemplates(source: source, bosToken: tokens["bos_token"], eosToken: tokens["eos_token"])
        return try ChatTemplate.resolve(TemplateSettings(variables: family.variables, date: "2026-12-01"), model: models)
    }

    static func renderer(_ family: Family, vocabulary: String = "ggml-vocab-llama-bpe.gguf") throws -> ExampleRenderer {
        var url = Fixtures.url("vocab/\(vocabulary)")
        if vocabulary == "gemma3" {
            guard let gemma = Fixtures.gemma3 else { throw CocoaError(.fileNoSuchFile) }
            url = gemma
        }
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: url))
        return ExampleRenderer(tokenizer: tokenizer, template: try template(family), defaultSystem: nil)
    }

    @Test(arguments: families)
    func answerIsTheFinalContentAndEndOfTurnAsTheTemplateRendersIt(_ family: Family) throws {
        let renderer = try Self.renderer(family)
        for conversation in Self.conversations {
            let last = conversation.last!
            let split = try renderer.answerSplit(Array(conversation.dropLast()), completion: last.content, line: 1)
            #expect(split.answer == last.content + family.endOfTurn, "\(family.template)")
            let full = try renderer.template.render(conversation, addGenerationPrompt: false, defaultSystem: nil)
            #expect(full.hasPrefix(split.prompt + split.answer))
            let after = full.dropFirst(split.prompt.count + split.answer.count)
            // Only whitespace, or the EOS Phi-3.5 writes after a finished conversation.
            let rest = after.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(rest.isEmpty || rest == "<|endoftext|>", "what follows the answer: \(after.debugDescription)")
        }
    }

    @Test(arguments: families.filter { $0.vocabulary != nil && ($0.vocabulary != "gemma3" || Fixtures.gemma3 != nil) })
    func maskedTokensDecodeToTheContentAndEndOfTurn(_ family: Family) throws {
        let renderer = try Self.renderer(family, vocabulary: family.vocabulary!)
        for conversation in Self.conversations {
            let sequence = try renderer.trainingSequence(
                for: Example(body: .messages(conversation), references: [conversation.last!.content], line: 1), maxLength: 4096)
            let masked = renderer.tokenizer.decode(Array(sequence.ids[sequence.lossStart...]))
            #expect(masked == conversation.last!.content + family.endOfTurn)
            // The end of turn is one special token, and the prompt part is exactly the generation prompt's ids.
            #expect(sequence.ids.last == renderer.tokenizer.tokenID(family.endOfTurn))
            let prompt = try renderer.promptIDs(for: Example(body: .messages(conversation), references: [], line: 1))
            #expect(Array(sequence.ids[..<sequence.lossStart]) == prompt)
        }
    }

    @Test func smolLM2MasksAtTokenLevelWithItsOwnTokenizer() throws {
        guard let model = Fixtures.smolLM2 else { return }
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: model))
        let template = try ChatTemplate.resolve(TemplateSettings(), model: tokenizer.chatTemplates)
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: template, defaultSystem: tokenizer.defaultSystemMessage)
        for conversation in Self.conversations {
            let sequence = try renderer.trainingSequence(
                for: Example(body: .messages(conversation), references: [], line: 1), maxLength: 4096)
            #expect(tokenizer.decode(Array(sequence.ids[sequence.lossStart...])) == conversation.last!.content + "<|im_end|>")
        }
    }

    /// A template with `{% generation %}` blocks: the loss is exactly the block.
    @Test func generationBlockDecidesTheSpan() throws {
        // (trim_blocks eats the newline after {% endif %}: jinja2 renders "<|im_end|><|im_start|>" here.)
        let source = "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}{% generation %}{{ m.content }}<|im_end|>{% endgeneration %}{% else %}{{ m.content }}<|im_end|>{% endif %}{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        let tokenizer = try TextTokenizer(gguf: GGUFFile(url: Fixtures.url("vocab/ggml-vocab-qwen2.gguf")))
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: try ChatTemplate(jinja: source, name: "t"), defaultSystem: nil)
        let split = try renderer.answerSplit([ChatMessage(role: "user", content: "q")], completion: "a", line: 1)
        #expect(split.prompt == "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n")
        #expect(split.answer == "a<|im_end|>")
    }
}
