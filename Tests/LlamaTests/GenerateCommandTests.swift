import Foundation
import Llama
import TestSupport
import Testing

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
