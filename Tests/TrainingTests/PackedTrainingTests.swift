import Foundation
import ModelIO
import TensorKit
import TestSupport
import Testing
import Training

// Training with the frozen products in bf16 or int8 (`ComputePrecision`) against the float32 goldens
// of transformers + PEFT: bf16 rounds every input of those products to 8 significant bits, int8
// quantizes them to 255 levels per row (activations, output gradients) or per output feature
// (weights), so the figures move by about 2⁻⁹ relative per product, not by float32 round-off. The
// tolerances are a few times the differences measured on the tiny-llama fixture (in `Tolerance`).
// For scale: rounding only the weights to bf16 (float32 products) already moves a probe logit by 0.073.

private func tinyModel(_ precision: ComputePrecision) throws -> LoRATrainingModel {
    try LoRATrainingModel(modelURL: Fixtures.url("tiny-llama.gguf"), precision: precision)
}

/// ‖a − b‖ / ‖b‖.
private func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    let difference = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) }.squareRoot()
    return difference / b.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
}

/// The packed precisions this CPU runs: bf16 (needs AVX-512 BF16) and int8 (everywhere).
private let packedPrecisions = ComputePrecision.allCases.filter { $0 != .f32 && $0.unavailableReason == nil }

/// What each packed precision may move, measured figures beside each.
private struct Tolerance {
    let loss: Double, probeLogit: Float, gradient: Double

    static func of(_ precision: ComputePrecision) -> Tolerance {
        switch precision {
        // measured: loss 0.0028 base, 0.0079 lora (loss ≈ 12); probe logits 0.106, 0.103 (|logit| ≤ 5.6);
        // gradients at most 0.043 relative to torch's, 0.021 to float32's (float32: < 1e-3)
        case .bf16: return Tolerance(loss: 0.03, probeLogit: 0.35, gradient: 0.15)
        // measured (Xeon; every instruction set gives the same bits): loss 0.028 base, 0.026 lora; probe
        // logits 0.33 base, 0.62 lora (a 32-wide random model: one block is a whole row or half of one);
        // gradients at most 0.24 relative to torch's (one tensor; the rest ≤ 0.12), 0.085 to float32's
        default: return Tolerance(loss: 0.06, probeLogit: 1.0, gradient: 0.4)
        }
    }
}

struct PackedTraining {
    @Test(arguments: packedPrecisions)
    func lossAndLogitsStayCloseToTheFloat32Goldens(precision: ComputePrecision) throws {
        let example = try GoldenExample()
        let model = try tinyModel(precision), tolerance = Tolerance.of(precision)
        #expect(model.precision == precision)
        let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
        for (key, adapter) in [("base", nil as LoRAParameters?), ("lora", lora)] {
            let reference = example.golden[key] as! [String: Any]
            let loss = try model.lossSum(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                         lora: adapter) / Double(example.lossTokens)
            let lossDifference = abs(loss - (reference["loss"] as! NSNumber).doubleValue)
            #expect(lossDifference < tolerance.loss, "\(precision) \(key) loss differs by \(lossDifference)")
            let worst = example.worstProbeLogitDifference(try model.logits(tokens: example.ids, lora: adapter),
                                                          reference: reference, vocabulary: model.config.vocabSize)
            #expect(worst < tolerance.probeLogit, "\(precision) \(key) probe logits differ by \(worst)")
        }
    }

    @Test(arguments: packedPrecisions)
    func loraGradientsStayCloseToTorchAutograd(precision: ComputePrecision) throws {
        let example = try GoldenExample()
        let model = try tinyModel(precision)
        let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
        var gradients = lora.zeros()
        _ = try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                          lora: lora, gradients: &gradients, gradScale: 1 / Float(example.lossTokens))
        let reference = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora-grads.safetensors"))
        for slot in gradients.slots {
            for isA in [true, false] {
                let key = LoRAParameters.peftKey(layer: slot.layer, projection: slot.projection, isA: isA)
                let error = relativeError(isA ? gradients.a(slot) : gradients.b(slot), try reference.floats(key))
                #expect(error < Tolerance.of(precision).gradient, "\(precision) \(key): relative error \(error)")
            }
        }
    }

    @Test(arguments: packedPrecisions)
    func gradientsAreBitIdenticalWhenRepeated(precision: ComputePrecision) throws {
        let example = try GoldenExample()
        var runs: [[Float]] = []
        var losses: [Double] = []
        for _ in 0..<2 {
            let model = try tinyModel(precision)
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

    @Test(arguments: packedPrecisions)
    func packedAndFloat32GradientsDifferButAgree(precision packed: ComputePrecision) throws {
        // the packed path is really taken: its gradients are not float32's, yet close to them
        let example = try GoldenExample()
        var values: [ComputePrecision: [Float]] = [:]
        for precision in [ComputePrecision.f32, packed] {
            let model = try tinyModel(precision)
            let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: model.config)
            var gradients = lora.zeros()
            _ = try model.accumulateGradients(tokens: example.ids, targets: example.targets, batch: 1, time: example.ids.count,
                                              lora: lora, gradients: &gradients, gradScale: 1 / Float(example.lossTokens))
            values[precision] = gradients.values
        }
        #expect(values[packed] != values[.f32])
        let error = relativeError(values[packed]!, values[.f32]!)
        #expect(error < Tolerance.of(packed).gradient, "\(packed): relative error \(error)")
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
