import Foundation
import ModelIO
import TensorKit
import TestSupport
import Testing
import Training

// Training with the frozen products in bf16 (`ComputePrecision.bf16`) against the float32 goldens of
// transformers + PEFT: bf16 rounds every input of those products to 8 significant bits, so the
// figures move by about 2⁻⁹ relative per product, not by float32 round-off. The tolerances below are a
// few times the differences measured on the tiny-llama fixture (noted beside each). For scale:
// rounding only the weights to bf16 (float32 products) already moves a probe logit by 0.073.

private func tinyModel(_ precision: ComputePrecision) throws -> LoRATrainingModel {
    try LoRATrainingModel(modelURL: Fixtures.url("tiny-llama.gguf"), precision: precision)
}

/// ‖a − b‖ / ‖b‖.
private func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    let difference = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) }.squareRoot()
    return difference / b.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
}

@Suite(.enabled(if: BF16Matrix.isAvailable, "this CPU has no AVX-512 BF16"))
struct BF16Training {
    @Test func bf16LossAndLogitsStayCloseToTheFloat32Goldens() throws {
        let example = try GoldenExample()
        let model = try tinyModel(.bf16)
        #expect(model.precision == .bf16)
        let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
        for (key, adapter) in [("base", nil as LoRAParameters?), ("lora", lora)] {
            let reference = example.golden[key] as! [String: Any]
            let loss = try model.lossSum(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                         lora: adapter) / Double(example.lossTokens)
            let lossDifference = abs(loss - (reference["loss"] as! NSNumber).doubleValue)
            #expect(lossDifference < 0.03, "\(key) loss differs by \(lossDifference)")   // measured 0.0028 base, 0.0079 lora (loss ≈ 12)
            let worst = example.worstProbeLogitDifference(try model.logits(tokens: example.ids, lora: adapter),
                                                          reference: reference, vocabulary: model.config.vocabSize)
            #expect(worst < 0.35, "\(key) probe logits differ by \(worst)")   // measured 0.106 base, 0.103 lora (|logit| ≤ 5.6)
        }
    }

    @Test func bf16LoRAGradientsStayCloseToTorchAutograd() throws {
        let example = try GoldenExample()
        let model = try tinyModel(.bf16)
        let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
        var gradients = lora.zeros()
        _ = try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                          lora: lora, gradients: &gradients, gradScale: 1 / Float(example.lossTokens))
        let reference = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora-grads.safetensors"))
        for slot in gradients.slots {
            for isA in [true, false] {
                let key = LoRAParameters.peftKey(layer: slot.layer, projection: slot.projection, isA: isA)
                let error = relativeError(isA ? gradients.a(slot) : gradients.b(slot), try reference.floats(key))
                #expect(error < 0.15, "\(key): relative error \(error)")   // measured at most 0.043 (float32: < 1e-3)
            }
        }
    }

    @Test func bf16GradientsAreBitIdenticalWhenRepeated() throws {
        let example = try GoldenExample()
        var runs: [[Float]] = []
        var losses: [Double] = []
        for _ in 0..<2 {
            let model = try tinyModel(.bf16)
            var lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
            lora.settings.dropout = 0.1
            var gradients = lora.zeros()
            losses.append(try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1,
                                                        time: example.ids.count, lora: lora, gradients: &gradients,
                                                        gradScale: 1 / Float(example.lossTokens), dropoutSeed: 11))
            runs.append(gradients.values)
        }
        #expect(losses[0] == losses[1])
        #expect(runs[0] == runs[1])
        #expect(runs[0].contains { $0 != 0 })
    }

    @Test func bf16AndFloat32GradientsDifferButAgree() throws {
        // the bf16 path is really taken: its gradients are not float32's, yet close to them
        let example = try GoldenExample()
        var values: [ComputePrecision: [Float]] = [:]
        for precision in ComputePrecision.allCases {
            let model = try tinyModel(precision)
            let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
            var gradients = lora.zeros()
            _ = try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                              lora: lora, gradients: &gradients, gradScale: 1 / Float(example.lossTokens))
            values[precision] = gradients.values
        }
        #expect(values[.bf16] != values[.f32])
        let error = relativeError(values[.bf16]!, values[.f32]!)
        #expect(error < 0.15, "relative error \(error)")   // measured 0.021
    }
}

@Test func precisionIsWrittenOnlyWhenItIsNotFloat32() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let f32 = String(decoding: try encoder.encode(TrainingSettings()), as: UTF8.self)
    #expect(!f32.contains("precision"), "f32 settings keep the bytes they had before the setting existed")
    let decodedOld = try JSONDecoder().decode(TrainingSettings.self, from: Data(f32.utf8))
    #expect(decodedOld == TrainingSettings() && decodedOld.precision == .f32)
    let bf16Settings = TrainingSettings(seed: 3, precision: .bf16)
    let encoded = try encoder.encode(bf16Settings)
    #expect(String(decoding: encoded, as: UTF8.self).contains("\"precision\":\"bf16\""))
    #expect(try JSONDecoder().decode(TrainingSettings.self, from: encoded) == bf16Settings)
}
