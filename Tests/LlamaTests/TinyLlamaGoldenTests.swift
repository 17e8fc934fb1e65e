import Foundation
import Llama
import TensorKit
import TestSupport
import Testing

/// Golden values from transformers (+ PEFT) in float32 on the dequantized tiny-llama.gguf.
struct TinyLlamaGoldenTests {
    struct Golden {
        let ids: [Int]
        let promptTokens: Int
        let loss: Double
        let logsumexp: [Double]
        let argmax: [Int]
        let probeIDs: [Int]
        let probeLogits: [[Double]]
    }

    static func golden(_ section: String) throws -> Golden {
        let json = try Fixtures.json("tiny-llama-golden.json")
        let part = try #require(json[section] as? [String: Any])
        return Golden(ids: try #require(json["input_ids"] as? [Int]),
                      promptTokens: try #require(json["prompt_tokens"] as? Int),
                      loss: try #require(part["loss"] as? Double),
                      logsumexp: try #require(part["logsumexp"] as? [Double]),
                      argmax: try #require(part["argmax"] as? [Int]),
                      probeIDs: try #require(part["probe_ids"] as? [Int]),
                      probeLogits: try #require(part["probe_logits"] as? [[Double]]))
    }

    static func logsumexp(_ row: UnsafeMutablePointer<Float>, _ count: Int) -> Double {
        var maximum = -Double.infinity
        for i in 0..<count { maximum = max(maximum, Double(row[i])) }
        var total = 0.0
        for i in 0..<count { total += Foundation.exp(Double(row[i]) - maximum) }
        return maximum + Foundation.log(total)
    }

    static func argmax(_ row: UnsafeMutablePointer<Float>, _ count: Int) -> Int {
        var best = 0
        for i in 1..<count where row[i] > row[best] { best = i }
        return best
    }

    /// Checks logits against the golden section; returns the masked loss computed from them.
    static func check(_ logits: Matrix, against golden: Golden) -> Double {
        var lossTotal = 0.0, lossCount = 0
        for t in 0..<golden.ids.count {
            let row = logits.row(t)
            let lse = logsumexp(row, logits.cols)
            #expect(abs(lse - golden.logsumexp[t]) < 1e-4, "logsumexp at position \(t): \(lse) vs \(golden.logsumexp[t])")
            #expect(argmax(row, logits.cols) == golden.argmax[t], "argmax at position \(t)")
            for (j, id) in golden.probeIDs.enumerated() {
                let value = Double(row[id])
                #expect(abs(value - golden.probeLogits[t][j]) < 1e-4, "logit of \(id) at position \(t): \(value) vs \(golden.probeLogits[t][j])")
            }
            if t + 1 < golden.ids.count, t + 1 >= golden.promptTokens {
                lossTotal += lse - Double(row[golden.ids[t + 1]])
                lossCount += 1
            }
        }
        return lossTotal / Double(lossCount)
    }

    @Test func baseLogitsMatchTransformers() throws {
        let golden = try Self.golden("base")
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        let logits = try model.logits(tokens: golden.ids)
        let loss = Self.check(logits, against: golden)
        #expect(abs(loss - golden.loss) < 1e-4, "loss \(loss) vs \(golden.loss)")
    }

    @Test func loraLogitsAndLossMatchPEFT() throws {
        let golden = try Self.golden("lora")
        let adapter = try LoRAAdapter.loadPEFT(directory: Fixtures.url("tiny-llama-lora"))
        #expect(adapter.config.rank == 4 && adapter.config.alpha == 8 && adapter.config.targets.count == 7)
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"), adapter: adapter)
        let logits = try model.logits(tokens: golden.ids)
        let loss = Self.check(logits, against: golden)
        #expect(abs(loss - golden.loss) < 1e-4, "loss \(loss) vs \(golden.loss)")
    }

    @Test func loraWithZeroBLeavesLogitsUnchanged() throws {
        let golden = try Self.golden("base")
        var adapter = try LoRAAdapter.loadPEFT(directory: Fixtures.url("tiny-llama-lora"))
        for l in adapter.layers.indices {
            for target in adapter.layers[l].keys {
                adapter.layers[l][target]!.b = [Float](repeating: 0, count: adapter.layers[l][target]!.b.count)
            }
        }
        let base = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        let adapted = LlamaModel(config: base.config, weights: base.weights, adapter: adapter)
        let expected = try base.logits(tokens: golden.ids)
        let actual = try adapted.logits(tokens: golden.ids)
        #expect(expected.array == actual.array)
    }
}
