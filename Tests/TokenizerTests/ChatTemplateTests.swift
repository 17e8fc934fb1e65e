import Foundation
import Testing
import TestSupport
import Tokenizer

/// Rendering is checked against strings the Jinja templates produce (the fixture's conversation was
/// rendered by transformers' `apply_chat_template`).
struct ChatTemplateTests {
    static let llama3Source = """
        {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
        """
    static let smolLM2Source = """
        {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system
        You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
        ' }}{% endif %}{{'<|im_start|>' + message['role'] + '
        ' + message['content'] + '<|im_end|>' + '
        '}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant
        ' }}{% endif %}
        """
    static let qwenExcerpt = """
        {%- else %}{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}
        """

    let conversation = [
        ChatMessage(role: "user", content: "Where is my parcel?"),
        ChatMessage(role: "assistant", content: "It left our depot on Monday."),
    ]

    @Test func detectRecognisesChatMLAndLlama3ByTheirMarkers() throws {
        #expect(try ChatTemplate.detect(Self.smolLM2Source) == .chatml)
        #expect(try ChatTemplate.detect(Self.qwenExcerpt + "<|im_end|>") == .chatml)
        #expect(try ChatTemplate.detect(Self.llama3Source) == .llama3)
    }

    @Test func unknownTemplateIsAnErrorSuggestingChatMLOrRaw() {
        let gemma = "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}"
        #expect {
            try ChatTemplate.detect(gemma)
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains("--template chatml|raw") && !message.contains("\n")
        }
        #expect(throws: TokenizerError.missingChatTemplate) { try ChatTemplate.detect(nil) }
    }

    @Test func resolveHonoursAnExplicitChoiceAndRejectsUnknownNames() throws {
        let own = try ChatTemplate.resolve("auto", model: Self.llama3Source)
        #expect(own.kind == .jinja && own.name == "tokenizer.chat_template" && own.source == Self.llama3Source)
        #expect(try ChatTemplate.resolve("chatml", model: Self.llama3Source) == .chatml)
        #expect(try ChatTemplate.resolve("raw", model: nil) == .raw)
        #expect(throws: ChatTemplateError.unknownChoice("vicuna", variants: [])) { try ChatTemplate.resolve("vicuna", model: nil) }
    }

    @Test func aModelWithoutATemplateUsesRawUnlessOneIsNamed() throws {
        #expect(try ChatTemplate.resolve("auto", model: nil) == .raw)
        #expect(try ChatTemplate.resolve("chatml", model: nil) == .chatml)
    }

    @Test func namedVariantsFilesVariablesAndDateAreResolved() throws {
        let models = ModelChatTemplates(source: Self.llama3Source, named: ["tool_use": "{{ bos_token }}tools:{{ flag }}"],
                                        bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>")
        let variant = try ChatTemplate.resolve(TemplateSettings(choice: "tool_use", variables: ["flag": "false"]), model: models)
        #expect(variant.name == "tokenizer.chat_template.tool_use")
        #expect(try variant.render(conversation, addGenerationPrompt: false, defaultSystem: nil) == "<|begin_of_text|>tools:False")
        #expect(throws: ChatTemplateError.unknownChoice("rag", variants: ["tool_use"])) {
            try ChatTemplate.resolve(TemplateSettings(choice: "rag"), model: models)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-template-\(UUID()).jinja")
        try Data("{{ strftime_now('%d %b %Y') }}|{{ name }}".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try ChatTemplate.resolve(TemplateSettings(file: file.path, variables: ["name": "\"x\""], date: "2026-12-01"), model: models)
        #expect(try fromFile.render([], addGenerationPrompt: false, defaultSystem: nil) == "01 Dec 2026|x")
        #expect(throws: ChatTemplateError.badDate("2026-13-01")) { try ChatTemplate.resolve(TemplateSettings(date: "2026-13-01"), model: models) }
        #expect(throws: ChatTemplateError.unreadableFile("/no/such.jinja")) {
            try ChatTemplate.resolve(TemplateSettings(file: "/no/such.jinja"), model: models)
        }
        #expect(throws: ChatTemplateError.badVariable("=x")) { try TemplateSettings.parseAssignments(["=x"]) }
    }

    @Test func ownTemplateErrorsAreThrownNotRendered() throws {
        let gemma = try ChatTemplate(jinja: "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok", name: "gemma")
        #expect(throws: (any Error).self) {
            try gemma.render([ChatMessage(role: "system", content: "x")], addGenerationPrompt: true, defaultSystem: nil)
        }
        #expect(try gemma.render([ChatMessage(role: "user", content: "x")], addGenerationPrompt: true, defaultSystem: nil) == "ok")
    }

    @Test func defaultSystemMessageIsReadFromChatMLTemplates() {
        #expect(ChatTemplate.defaultSystemMessage(in: Self.smolLM2Source)
                == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        #expect(ChatTemplate.defaultSystemMessage(in: Self.qwenExcerpt)
                == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        #expect(ChatTemplate.defaultSystemMessage(in: Self.llama3Source) == nil)
    }

    @Test func chatMLWithoutSystemMessageInsertsTheDefaultOne() throws {
        let text = try ChatTemplate.chatml.render(conversation, addGenerationPrompt: false,
                                              defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        #expect(text == """
            <|im_start|>system
            You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
            <|im_start|>user
            Where is my parcel?<|im_end|>
            <|im_start|>assistant
            It left our depot on Monday.<|im_end|>

            """)
    }

    @Test func chatMLWithSystemMessageKeepsItAndAddsGenerationPrompt() throws {
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")]
        let text = try ChatTemplate.chatml.render(messages, addGenerationPrompt: true, defaultSystem: "ignored")
        #expect(text == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(ChatTemplate.chatml.stopStrings == ["<|im_end|>"])
    }

    @Test func llama3RendersHeadersTrimsContentAndStartsWithBOS() throws {
        let messages = [ChatMessage(role: "system", content: "Be brief.\n"), ChatMessage(role: "user", content: "  Hi  ")]
        let text = try ChatTemplate.llama3.render(messages, addGenerationPrompt: true, defaultSystem: nil)
        #expect(text == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(ChatTemplate.llama3.stopStrings == ["<|eot_id|>"])
    }

    @Test func rawJoinsContentsWithoutMarkers() throws {
        let text = try ChatTemplate.raw.render(conversation, addGenerationPrompt: true, defaultSystem: "ignored")
        #expect(text == "Where is my parcel?It left our depot on Monday.")
        #expect(ChatTemplate.raw.stopStrings.isEmpty)
    }

    @Test func chatMLRenderingMatchesTheGoldenConversation() throws {
        let golden = try Fixtures.json("tiny-llama-golden.json")
        let expected = try #require(golden["text"] as? String)
        let messages = [
            ChatMessage(role: "user", content: "Where is my parcel? Order #4417 shipped on 3 May."),
            ChatMessage(role: "assistant", content: "It left our depot on Monday and should arrive within 2 days."),
        ]
        #expect(try ChatTemplate.chatml.render(messages, addGenerationPrompt: false, defaultSystem: nil) == expected)
        let prompt = try ChatTemplate.chatml.render(Array(messages.prefix(1)), addGenerationPrompt: true, defaultSystem: nil)
        #expect(expected.hasPrefix(prompt))
    }
}
