import Corpus
import Foundation
import TestSupport
import Testing
import Tokenizer

@Suite struct ExampleRendererTests {
    /// The fixture's ChatML conversation, as the one example it was made from.
    static let conversation = [
        ChatMessage(role: "user", content: "Where is my parcel? Order #4417 shipped on 3 May."),
        ChatMessage(role: "assistant", content: "It left our depot on Monday and should arrive within 2 days."),
    ]

    private func golden() throws -> (ids: [Int], promptTokens: Int, text: String) {
        let json = try Fixtures.json("tiny-llama-golden.json")
        return (try #require(json["input_ids"] as? [Int]), try #require(json["prompt_tokens"] as? Int),
                try #require(json["text"] as? String))
    }

    private func chatml() throws -> ExampleRenderer {
        ExampleRenderer(tokenizer: try #require(TinyTokenizer.shared), template: .chatml, defaultSystem: nil)
    }

    @Test func chatMLTrainingSequenceMatchesTheGoldenIDsAndPromptBoundary() throws {
        let golden = try golden()
        let renderer = try chatml()
        let asMessages = Example(body: .messages(Self.conversation), references: [], line: 1)
        let asPair = Example(body: .promptCompletion(prompt: Self.conversation[0].content,
                                                     completion: Self.conversation[1].content), references: [], line: 2)
        // The golden rendering ends "<|im_end|>\n"; the loss stops at the end-of-turn marker, so the
        // newline (never generated: generation stops at <|im_end|>) is not part of the sequence.
        try #require(renderer.tokenizer.decode([golden.ids.last!]) == "\n")
        for example in [asMessages, asPair] {
            let sequence = try renderer.trainingSequence(for: example, maxLength: 4096)
            #expect(sequence.ids == Array(golden.ids.dropLast()))
            #expect(sequence.lossStart == golden.promptTokens)
            #expect(!sequence.truncated)
            #expect(sequence.lossTokenCount == golden.ids.count - 1 - golden.promptTokens)
            #expect(try renderer.promptIDs(for: example) == Array(golden.ids.prefix(golden.promptTokens)))
            #expect(try renderer.promptText(for: example) + Self.conversation[1].content + "<|im_end|>\n" == golden.text)
        }
    }

    @Test func truncationKeepsTheBeginningAndClampsTheLossStart() throws {
        let golden = try golden()
        let renderer = try chatml()
        let example = Example(body: .messages(Self.conversation), references: [], line: 1)
        let cut = try renderer.trainingSequence(for: example, maxLength: 30)
        #expect(cut == TrainingSequence(ids: Array(golden.ids.prefix(30)), lossStart: golden.promptTokens, truncated: true))
        #expect(cut.lossTokenCount == 30 - golden.promptTokens)
        let promptOnly = try renderer.trainingSequence(for: example, maxLength: 20)
        #expect(promptOnly.lossStart == 20 && promptOnly.lossTokenCount == 0)
    }

    @Test func chatPromptInsertsTheDefaultSystemTurnAndTheGenerationPrompt() throws {
        let renderer = ExampleRenderer(tokenizer: try #require(TinyTokenizer.shared), template: .chatml,
                                       defaultSystem: "You are helpful.")
        let example = Example(body: .promptCompletion(prompt: "Hi", completion: "Hello"), references: ["Hello"], line: 1)
        #expect(try renderer.promptText(for: example)
                == "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let sequence = try renderer.trainingSequence(for: example, maxLength: 512)
        #expect(renderer.tokenizer.decode(Array(sequence.ids[sequence.lossStart...])) == "Hello<|im_end|>")
    }

    @Test func rawLossCoversExactlyTheCompletionEvenWhereBPEWouldMergeAcrossTheBoundary() throws {
        let tokenizer = try #require(TinyTokenizer.shared)
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: .raw, defaultSystem: nil)
        let example = Example(body: .promptCompletion(prompt: "The capital of France is Par", completion: "is, of course."),
                              references: [], line: 1)
        let sequence = try renderer.trainingSequence(for: example, maxLength: 512)
        let eos = try #require(tokenizer.eosID)
        #expect(Array(sequence.ids[..<sequence.lossStart]) == tokenizer.encode("The capital of France is Par"))
        #expect(Array(sequence.ids[sequence.lossStart...]) == tokenizer.encode("is, of course.", addBOS: false) + [eos])
        // Encoding the joined text would merge "Par"+"is" into one token that straddles the boundary.
        #expect(tokenizer.encode("The capital of France is Paris, of course.") != Array(sequence.ids.dropLast()))
    }

    @Test func rawPromptIsUsedAsItIsWithSpecialTokensParsed() throws {
        let tokenizer = try #require(TinyTokenizer.shared)
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: .raw, defaultSystem: "ignored")
        let prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        let example = Example(body: .promptCompletion(prompt: prompt, completion: "Hello"), references: [], line: 1)
        #expect(try renderer.promptText(for: example) == prompt)
        let ids = try renderer.promptIDs(for: example)
        #expect(ids.first == 1 && ids == tokenizer.encode(prompt, parseSpecial: true))
    }

    @Test func textTrainsOnEveryTokenAndHasNoEvalPrompt() throws {
        let tokenizer = try #require(TinyTokenizer.shared)
        let renderer = ExampleRenderer(tokenizer: tokenizer, template: .chatml, defaultSystem: nil)
        let example = Example(body: .text("Parcels ship daily."), references: [], line: 3)
        let sequence = try renderer.trainingSequence(for: example, maxLength: 512)
        #expect(sequence.ids == tokenizer.encode("Parcels ship daily.") + [try #require(tokenizer.eosID)])
        #expect(sequence.lossStart == 0 && sequence.lossTokenCount == sequence.ids.count - 1)
        #expect(throws: CorpusError.cannotRender(line: 3, reason: "a \"text\" example has no prompt to evaluate")) {
            try renderer.promptIDs(for: example)
        }
    }

    /// The three prompts of smollm2-golden.json (two ChatML, one plain) from examples in dataset form.
    @Test func evalPromptsReproduceTheSmolLM2GoldenPromptIDs() throws {
        let tokenizer = try #require(TinyTokenizer.shared)
        let cases = try #require(try Fixtures.json("smollm2-golden.json")["cases"] as? [[String: Any]])
        let golden = try cases.map { try #require($0["ids"] as? [Int]) }
        try #require(golden.count == 3)
        let chatml = ExampleRenderer(tokenizer: tokenizer, template: .chatml, defaultSystem: nil)
        let raw = ExampleRenderer(tokenizer: tokenizer, template: .raw, defaultSystem: nil)

        let capital = Example(body: .promptCompletion(prompt: "What is the capital of France?", completion: "Paris"),
                              references: ["Paris"], line: 1)
        #expect(try chatml.promptIDs(for: capital) == golden[0])
        let routing = Example(body: .messages([
            ChatMessage(role: "system", content: "You route customer messages."),
            ChatMessage(role: "user", content: "My card was charged twice for one order."),
            ChatMessage(role: "assistant", content: "billing"),
        ]), references: ["billing"], line: 2)
        #expect(try chatml.promptIDs(for: routing) == golden[1])
        let colors = Example(body: .promptCompletion(prompt: "The three primary colors are", completion: " red"),
                             references: [" red"], line: 3)
        #expect(try raw.promptIDs(for: colors) == golden[2])
    }
}
