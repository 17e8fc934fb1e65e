import Foundation
import Llama
import TensorKit
import TestSupport
import Testing

/// transformers float32 on the dequantized SmolLM2-135M-Instruct Q4_1 (skipped when the model is absent).
@Suite(.serialized) struct SmolLM2GoldenTests {
    struct Case {
        let ids: [Int]
        let top10IDs: [Int]
        let top10Logits: [Double]
        let logsumexp: Double
        let greedy: [Int]
    }

    static let model: LlamaModel? = Fixtures.smolLM2.flatMap { try? LlamaModel.load(url: $0) }

    static func cases() throws -> [Case] {
        let json = try Fixtures.json("smollm2-golden.json")
        let cases = try #require(json["cases"] as? [[String: Any]])
        return try cases.map { item in
            Case(ids: try #require(item["ids"] as? [Int]),
                 top10IDs: try #require(item["top10_ids"] as? [Int]),
                 top10Logits: try #require(item["top10_logits"] as? [Double]),
                 logsumexp: try #require(item["logsumexp_last"] as? Double),
                 greedy: try #require(item["greedy_ids"] as? [Int]))
        }
    }

    /// EOS of SmolLM2 (<|im_end|>); the goldens' greedy runs stop there or after 24 tokens.
    static let settings = GenerationSettings(maxTokens: 24, stopTokens: [2])

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func topTenLogitsAtLastPromptPositionMatchTransformers() throws {
        let model = try #require(Self.model)
        for item in try Self.cases() {
            let logits = try model.logits(tokens: item.ids)
            let last = logits.row(item.ids.count - 1)
            let top = Sampler.topLogits(last, count: logits.cols, k: 10)
            #expect(top.map(\.id) == item.top10IDs)
            for (j, expected) in item.top10Logits.enumerated() {
                let actual = Double(last[item.top10IDs[j]])
                #expect(abs(actual - expected) < 2e-3, "logit of \(item.top10IDs[j]): \(actual) vs \(expected)")
            }
            var maximum = -Double.infinity, total = 0.0
            for i in 0..<logits.cols { maximum = max(maximum, Double(last[i])) }
            for i in 0..<logits.cols { total += exp(Double(last[i]) - maximum) }
            #expect(abs(maximum + log(total) - item.logsumexp) < 2e-3)
        }
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func greedyTokensMatchTransformers() throws {
        let generator = Generator(model: try #require(Self.model), tokenizer: nil)
        for item in try Self.cases() {
            let result = try generator.generate(prompts: [item.ids], settings: Self.settings)[0]
            #expect(result.ids == item.greedy)
            #expect(result.promptTokens == item.ids.count)
        }
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func batchedGenerationEqualsOneAtATime() throws {
        let generator = Generator(model: try #require(Self.model), tokenizer: nil)
        let prompts = try Self.cases().map(\.ids)
        let single = try prompts.map { try generator.generate(prompts: [$0], settings: Self.settings)[0].ids }
        // Two slots for three prompts: the third is admitted while another is still decoding.
        var twoSlots = Self.settings
        twoSlots.batchSize = 2
        let batched = try generator.generate(prompts: prompts, settings: twoSlots).map(\.ids)
        let allAtOnce = try generator.generate(prompts: prompts, settings: Self.settings).map(\.ids)
        #expect(batched == single)
        #expect(allAtOnce == single)
    }
}
