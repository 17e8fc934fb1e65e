import Foundation
import Llama
import TestSupport
import Testing
import TensorKit

/// `tollgate generate` and `tollgate bench` as users script them (runs the built executable).
struct GenerateCommandTests {
    @Test func jsonOutputCarriesTheContractKeysAndTopLogitsOfTheLastPromptPosition() throws {
        let model = Fixtures.url("tiny-llama.gguf").path
        let run = try TollgateBinary.run(["generate", "--model", model, "--json", "--top-logits", "3",
                                          "--max-tokens", "4", "Where is my parcel?"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["text", "ids", "prompt_tokens", "completion_tokens", "seconds", "top_logits"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let ids = try #require(object["ids"] as? [Int])
        #expect(ids.count == object["completion_tokens"] as? Int && ids.count <= 4 && !ids.isEmpty)
        let top = try #require(object["top_logits"] as? [[Double]])
        #expect(top.count == 3)

        // The same numbers from the library: logits at the last prompt position.
        let generator = try TextGenerator(modelPath: model)
        let prompt = try generator.encode("Where is my parcel?", format: .init()).ids
        #expect(prompt.count == object["prompt_tokens"] as? Int)
        let logits = try generator.model.logits(tokens: prompt)
        let expected = Sampler.topLogits(logits.row(prompt.count - 1), count: logits.cols, k: 3)
        #expect(top.map { Int($0[0]) } == expected.map(\.id))
        for (pair, reference) in zip(top, expected) { #expect(abs(pair[1] - Double(reference.logit)) < 1e-5) }
        #expect(ids.first == expected.first?.id, "greedy picks the largest logit")
    }

    /// `--precision bf16` gives the library's bf16 tokens, or exit 2 naming why on a CPU without AVX-512 BF16.
    @Test func bf16GenerationMatchesTheLibraryOrIsExitTwoWithoutBF16() throws {
        let model = Fixtures.url("tiny-llama.gguf").path
        let run = try TollgateBinary.run(["generate", "--model", model, "--json", "--precision", "bf16",
                                          "--max-tokens", "6", "Where is my parcel?"])
        guard ComputePrecision.bf16.unavailableReason == nil else {
            #expect(run.status == 2 && run.stderr.contains("AVX-512 BF16") && run.stderr.split(separator: "\n").count == 1)
            return
        }
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let f32 = try TextGenerator(modelPath: model)
        let library = TextGenerator(model: try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"), precision: .bf16),
                                    tokenizer: f32.tokenizer)
        let expected = try library.complete("Where is my parcel?", format: .init(), settings: GenerationSettings(maxTokens: 6))
        #expect(object["ids"] as? [Int] == expected.ids)
        let usage = try TollgateBinary.run(["generate", "--model", model, "--precision", "f16", "Hi"])
        #expect(usage.status == 64 && usage.stderr.contains("--precision must be f32, bf16, int8 or auto"))
    }

    @Test func missingModelIsInvalidInputOnOneLine() throws {
        let run = try TollgateBinary.run(["generate", "--model", "/nonexistent/model.gguf", "Hi"])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("/nonexistent/model.gguf"))
    }

    @Test func outOfRangeTopPIsAUsageError() throws {
        let run = try TollgateBinary.run(["generate", "--model", Fixtures.url("tiny-llama.gguf").path,
                                          "--top-p", "2", "Hi"])
        #expect(run.status == 64)
    }
}
