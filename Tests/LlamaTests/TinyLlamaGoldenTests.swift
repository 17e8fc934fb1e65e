import Foundation
import Llama
import TensorKit
import TestSupport
import Testing
import Training

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
        let adapter = try AdapterLoader.load(path: Fixtures.url("tiny-llama-lora").path, model: Fixtures.url("tiny-llama.gguf"))
        #expect(adapter.config.rank == 4 && adapter.config.alpha == 8 && adapter.config.targets.count == 7)
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"), adapter: adapter)
        let logits = try model.logits(tokens: golden.ids)
        let loss = Self.check(logits, against: golden)
        #expect(abs(loss - golden.loss) < 1e-4, "loss \(loss) vs \(golden.loss)")
    }

    @Test func loraWithZeroBLeavesLogitsUnchanged() throws {
        let golden = try Self.golden("base")
        var adapter = try AdapterLoader.load(path: Fixtures.url("tiny-llama-lora").path, model: Fixtures.url("tiny-llama.gguf"))
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

/// The decode path on tiny-llama, whose projections come in Q8_0, Q4_1, Q4_0, F16 (read as blocks
/// by the decode kernels) and F32, BF16, Q5_0, Q5_1 (read from the Float32 weights): fed one token
/// at a time through the KV cache, it gives transformers' logits at every position.
struct TinyLlamaDecodeTests {
    static func decodeOneTokenAtATime(_ model: LlamaModel, _ ids: [Int]) throws -> Matrix {
        let cache = KVCache(config: model.config, slots: 1, capacity: ids.count)
        let logits = Matrix(rows: ids.count, cols: model.config.vocabSize)
        for (t, id) in ids.enumerated() {
            let result = try model.forward(tokens: [id], segments: [SequenceSegment(slot: 0, start: t, count: 1)],
                                           cache: cache, logitRows: .lastOfEachSegment)
            logits.row(t).update(from: result.logits.row(0), count: model.config.vocabSize)
        }
        return logits
    }

    @Test func baseLogitsMatchTransformersWhenDecodingTokenByToken() throws {
        let golden = try TinyLlamaGoldenTests.golden("base")
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        #expect(model.decodeWeights!.layers[0].projection(.k).format == .q4_1 && model.decodeWeights!.layers[0].projection(.o).format == .f16)
        let loss = TinyLlamaGoldenTests.check(try Self.decodeOneTokenAtATime(model, golden.ids), against: golden)
        #expect(abs(loss - golden.loss) < 1e-4, "loss \(loss) vs \(golden.loss)")
    }

    @Test func loraLogitsMatchPEFTWhenDecodingTokenByToken() throws {
        let golden = try TinyLlamaGoldenTests.golden("lora")
        let adapter = try AdapterLoader.load(path: Fixtures.url("tiny-llama-lora").path, model: Fixtures.url("tiny-llama.gguf"))
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"), adapter: adapter)
        let loss = TinyLlamaGoldenTests.check(try Self.decodeOneTokenAtATime(model, golden.ids), against: golden)
        #expect(abs(loss - golden.loss) < 1e-4, "loss \(loss) vs \(golden.loss)")
    }
}

extension TinyLlamaDecodeTests {
    /// Attention probabilities kept for the backward pass are the same from the sgemm path (one long
    /// segment) and from the decode kernel (one token a call), masked tail included.
    @Test func keptAttentionProbabilitiesAgreeBetweenPrefillAndDecode() throws {
        let golden = try TinyLlamaGoldenTests.golden("base")
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        let ids = Array(golden.ids.prefix(20)), n = ids.count, heads = model.config.heads
        func kept(_ tokens: Int, _ segments: [SequenceSegment]) -> ForwardActivations {
            ForwardActivations(config: model.config, capacity: tokens,
                               probabilityCapacity: ForwardActivations.probabilityOffsets(segments: segments, heads: heads).total)
        }
        let whole = kept(n, [SequenceSegment(slot: 0, start: 0, count: n)])
        _ = try model.forward(tokens: ids, segments: [SequenceSegment(slot: 0, start: 0, count: n)],
                              cache: KVCache(config: model.config, slots: 1, capacity: n), logitRows: .none, keeping: whole)
        let wholeOffsets = ForwardActivations.probabilityOffsets(segments: [SequenceSegment(slot: 0, start: 0, count: n)], heads: heads).offsets
        let cache = KVCache(config: model.config, slots: 1, capacity: n)
        var worst: Float = 0
        for t in 0..<n {
            let segment = SequenceSegment(slot: 0, start: t, count: 1)
            let step = kept(1, [segment])
            _ = try model.forward(tokens: [ids[t]], segments: [segment], cache: cache, logitRows: .none, keeping: step)
            let offsets = ForwardActivations.probabilityOffsets(segments: [segment], heads: heads).offsets
            for layer in 0..<model.config.layers {
                for head in 0..<heads {
                    let decoded = step.layer(layer).probabilities.pointer + offsets[0][head]
                    let prefilled = whole.layer(layer).probabilities.pointer + wholeOffsets[0][head] + t * n
                    for position in 0...t { worst = max(worst, abs(decoded[position] - prefilled[position])) }
                    for position in (t + 1)..<n { #expect(prefilled[position] == 0) }
                }
            }
        }
        // A short prompt (under Attention.sgemmThreshold tokens) also goes through the decode kernel.
        let short = SequenceSegment(slot: 0, start: 0, count: 5)
        let prompt = kept(5, [short])
        _ = try model.forward(tokens: Array(ids.prefix(5)), segments: [short],
                              cache: KVCache(config: model.config, slots: 1, capacity: n), logitRows: .none, keeping: prompt)
        let shortOffsets = ForwardActivations.probabilityOffsets(segments: [short], heads: heads).offsets
        for layer in 0..<model.config.layers {
            for head in 0..<heads {
                for i in 0..<5 {
                    let row = prompt.layer(layer).probabilities.pointer + shortOffsets[0][head] + i * 5
                    let prefilled = whole.layer(layer).probabilities.pointer + wholeOffsets[0][head] + i * n
                    for position in 0...i { worst = max(worst, abs(row[position] - prefilled[position])) }
                    for position in (i + 1)..<5 { #expect(row[position] == 0) }
                }
            }
        }
        #expect(worst < 1e-5, "probabilities differ by \(worst)")
    }
}
