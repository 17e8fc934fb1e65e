import Foundation
import Llama
import TestSupport
import Testing
import Harness

/// Tollgate's log-likelihoods against lm-evaluation-harness 0.4.13 (its HF backend, transformers
/// loading the same GGUF in float32) on the committed HellaSwag and PIQA subsets. The fixtures
/// (`Tests/Fixtures/loglik/`, made by `LMEVAL_LIMIT=N Tests/Interop/lm_eval_loglik_check.py reference`)
/// hold every choice of all 1,000 items of each set (lm-eval took 57 minutes for HellaSwag's and 15
/// for PIQA's on one core, tokenizing with SmolLM2's own pre-tokenizer); this test scores the first
/// `scoredItems` of each, `make interop-loglik` all 2,000.
@Suite(.serialized) struct LmEvalAgreementTests {
    struct Fixture: Decodable {
        struct Item: Decodable {
            var id: String
            var loglik: [Double]
            var is_greedy: [Bool]
            var acc: Double
            var acc_norm: Double
        }
        var acc: Double
        var acc_norm: Double
        var first_items: Int
        var items: [Item]
    }

    /// Items of each set scored here (the rest are checked by `make interop-loglik`).
    static let scoredItems = 60

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Fixtures.data("loglik/lm-eval-\(name).json"))
    }

    @Test func fixturesAggregateToTheirOwnAccuracies() throws {
        for name in ["hellaswag", "piqa"] {
            let fixture = try Self.fixture(name)
            let n = Double(fixture.items.count)
            #expect(fixture.items.count == fixture.first_items)
            let acc = fixture.items.map(\.acc).reduce(0, +) / n, accNorm = fixture.items.map(\.acc_norm).reduce(0, +) / n
            #expect(abs(acc - fixture.acc) < 1e-9 && abs(accNorm - fixture.acc_norm) < 1e-9)
            // lm-eval's per-item acc is the argmax of the stored log-likelihoods: the fixture is self-consistent.
            let set = try LogLikelihoodSet.load(path: Self.root.appendingPathComponent("Datasets/\(name)/validation-1000.jsonl").path,
                                                kind: .multipleChoice)
            for (item, expected) in zip(set.items, fixture.items) {
                #expect(item.id == expected.id)
                let scores = expected.loglik.map { ContinuationScore(logLikelihood: $0, isGreedy: false, tokens: 1) }
                let result = try MultipleChoiceResult(item: item, scores: scores)
                #expect(result.acc == expected.acc && result.accNorm == expected.acc_norm, "\(item.id)")
            }
        }
    }

    @Test(arguments: ["hellaswag", "piqa"])
    func choicesScoreAsLmEvalScoresThem(name: String) throws {
        guard let modelURL = Fixtures.smolLM2 else { return }
        let fixture = try Self.fixture(name)
        let count = min(Self.scoredItems, fixture.items.count)
        let set = try LogLikelihoodSet.load(path: Self.root.appendingPathComponent("Datasets/\(name)/validation-1000.jsonl").path,
                                            kind: .multipleChoice)
        let loaded = try LoadedModel.load(modelPath: modelURL.path, adapterPath: nil)
        let split = ContinuationSplit(model: loaded)
        let items = Array(set.items.prefix(count))
        let scores = try LogLikelihoodScorer(model: try LlamaModel.load(file: loaded.file)).score(try items.map(split.split))
        var worst = 0.0
        for ((item, scored), expected) in zip(zip(items, scores), fixture.items) {
            #expect(item.id == expected.id)
            for (choice, reference) in zip(scored, expected.loglik) {
                worst = max(worst, abs(choice.logLikelihood - reference))
                #expect(abs(choice.logLikelihood - reference) < 1e-3, "\(item.id): \(choice.logLikelihood) vs lm-eval \(reference)")
            }
            let result = try MultipleChoiceResult(item: item, scores: scored)
            #expect(result.acc == expected.acc && result.accNorm == expected.acc_norm, "\(item.id)")
            #expect(scored.map(\.isGreedy) == expected.is_greedy, "\(item.id)")
        }
        print("\(name): \(count) items, max |Δ loglik| vs lm-eval \(worst)")
    }
}
