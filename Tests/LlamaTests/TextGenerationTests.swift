import Foundation
import Llama
import TestSupport
import Testing

/// Text in, text out on SmolLM2 (skipped when the model is absent).
@Suite(.serialized) struct TextGenerationTests {
    static let generator: TextGenerator? = Fixtures.smolLM2.flatMap { try? TextGenerator(modelPath: $0.path) }

    static func firstCase() throws -> (prompt: String, ids: [Int], greedyText: String) {
        let json = try Fixtures.json("smollm2-golden.json")
        let item = try #require((json["cases"] as? [[String: Any]])?.first)
        return (try #require(item["prompt"] as? String), try #require(item["ids"] as? [Int]),
                try #require(item["greedy_text"] as? String))
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func greedyTextMatchesTransformersWithoutTheEOSToken() throws {
        let generator = try #require(Self.generator)
        let golden = try Self.firstCase()
        let result = try generator.complete(golden.prompt, format: .init(), settings: GenerationSettings(maxTokens: 24))
        #expect(result.promptTokens == golden.ids.count)
        #expect(result.finishReason == .eos)
        #expect(result.text + "<|im_end|>" == golden.greedyText)
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func stopStringCutsTheTextBeforeIt() throws {
        let generator = try #require(Self.generator)
        let golden = try Self.firstCase()
        let result = try generator.complete(golden.prompt, format: .init(),
                                            settings: GenerationSettings(maxTokens: 24, stopStrings: ["Paris"]))
        #expect(result.finishReason == .stop)
        #expect(result.text == "The capital of France is ")
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func maxTokensEndsWithLengthReason() throws {
        let generator = try #require(Self.generator)
        let result = try generator.complete("Once upon a time", format: .init(), settings: GenerationSettings(maxTokens: 5))
        #expect(result.finishReason == .length)
        #expect(result.completionTokens == 5)
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func seededSamplingRepeatsAndDoesNotDependOnBatching() throws {
        let generator = try #require(Self.generator)
        let prompts = ["Once upon a time", "The best way to learn", "My favourite food is"]
        let settings = GenerationSettings(maxTokens: 12, temperature: 0.9, topP: 0.9, seed: 42)
        let batched = try generator.complete(prompts, format: .init(), settings: settings).map(\.ids)
        let again = try generator.complete(prompts, format: .init(), settings: settings).map(\.ids)
        var one = settings
        one.batchSize = 1
        let single = try generator.complete(prompts, format: .init(), settings: one).map(\.ids)
        #expect(batched == again)
        #expect(batched == single)
        var otherSeed = settings
        otherSeed.seed = 43
        #expect(try generator.complete(prompts, format: .init(), settings: otherSeed).map(\.ids) != batched)
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func chatPromptUsesTheTemplateAndItsStopString() throws {
        let generator = try #require(Self.generator)
        let encoded = try generator.encode("Hi", format: .init(chat: true, system: "Be brief."))
        #expect(generator.tokenizer.decode(encoded.ids) == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(encoded.stopStrings == ["<|im_end|>"])
    }
}
