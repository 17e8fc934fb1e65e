import Foundation
import ModelIO
import TestSupport
import Testing
import Training

/// The ChatML conversation of tiny-llama-golden.json: ids and per-position targets (loss from the
/// first completion token on, HF's shifted labels).
struct GoldenExample {
    let ids: [Int32]
    let targets: [Int32]
    let golden: [String: Any]

    init() throws {
        golden = try Fixtures.json("tiny-llama-golden.json")
        let ids = (golden["input_ids"] as! [NSNumber]).map { Int32($0.intValue) }
        let promptTokens = (golden["prompt_tokens"] as! NSNumber).intValue
        self.ids = ids
        targets = (0..<ids.count).map { t in t + 1 < ids.count && t + 1 >= promptTokens ? ids[t + 1] : -1 }
    }

    var lossTokens: Int { targets.filter { $0 >= 0 }.count }

    /// The largest |logit − golden| over every position and the golden's probe ids; logits (T, V).
    func worstProbeLogitDifference(_ logits: [Float], reference: [String: Any], vocabulary: Int) -> Float {
        let probes = (reference["probe_ids"] as! [NSNumber]).map(\.intValue)
        let probeLogits = reference["probe_logits"] as! [[NSNumber]]
        var worst: Float = 0
        for t in 0..<ids.count {
            for (j, id) in probes.enumerated() {
                worst = max(worst, abs(logits[t * vocabulary + id] - probeLogits[t][j].floatValue))
            }
        }
        return worst
    }
}

private func tinyModel() throws -> LoRATrainingModel {
    try LoRATrainingModel(modelURL: Fixtures.url("tiny-llama.gguf"))
}

@Test func tinyLlamaLossAndLogitsMatchTransformers() throws {
    let example = try GoldenExample()
    let model = try tinyModel()
    let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
    for (key, adapter) in [("base", nil as LoRAParameters?), ("lora", lora)] {
        let reference = example.golden[key] as! [String: Any]
        let loss = try model.lossSum(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                     lora: adapter) / Double(example.lossTokens)
        #expect(abs(loss - (reference["loss"] as! NSNumber).doubleValue) < 1e-4, "\(key) loss")
        let worst = example.worstProbeLogitDifference(try model.logits(tokens: example.ids, lora: adapter),
                                                      reference: reference, vocabulary: model.config.vocabSize)
        #expect(worst < 1e-4, "\(key) probe logits differ by \(worst)")
    }
}

@Test func tinyLlamaLoRAGradientsMatchTorchAutograd() throws {
    let example = try GoldenExample()
    let model = try tinyModel()
    let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
    var gradients = lora.zeros()
    _ = try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                      lora: lora, gradients: &gradients, gradScale: 1 / Float(example.lossTokens))
    let reference = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora-grads.safetensors"))
    #expect(reference.names.count == 2 * lora.slots.count)
    for slot in gradients.slots {
        for isA in [true, false] {
            let key = LoRAParameters.peftKey(layer: slot.layer, projection: slot.projection, isA: isA)
            let expected = try reference.floats(key)
            let actual = isA ? gradients.a(slot) : gradients.b(slot)
            let difference = zip(actual, expected).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) }.squareRoot()
            let norm = expected.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
            #expect(difference / norm < 1e-3, "\(key): relative error \(difference / norm)")
        }
    }
}
