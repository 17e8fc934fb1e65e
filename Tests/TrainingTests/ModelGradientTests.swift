import Foundation
import Testing
import Training

private let tokens: [Int32] = [1, 5, 7, 2, 12, 3, 0, 4, 9, 11]     // (B=2, T=5)
private let targets: [Int32] = [5, 7, -1, 12, -1, 0, 4, 9, 11, 6]

@Test func modelLoRAGradientsMatchFiniteDifferences() throws {
    let model = try LoRATrainingModel(base: randomModel())
    let lora = randomAdapter(shape: model.config)
    var gradients = lora.zeros()
    let loss = try model.accumulateGradients(tokens: tokens, targets: targets, batch: 2, time: 5, lora: lora,
                                             gradients: &gradients, gradScale: 1)
    #expect(loss > 0)
    let eps: Float = 1e-2
    var difference = 0.0, norm = 0.0
    for i in stride(from: 0, to: lora.values.count, by: 7) {
        var plus = lora, minus = lora
        plus.values[i] += eps
        minus.values[i] -= eps
        let numeric = (try model.lossSum(tokens: tokens, targets: targets, batch: 2, time: 5, lora: plus)
            - model.lossSum(tokens: tokens, targets: targets, batch: 2, time: 5, lora: minus)) / Double(2 * eps)
        difference += pow(Double(gradients.values[i]) - numeric, 2)
        norm += numeric * numeric
    }
    #expect(difference.squareRoot() / norm.squareRoot() < 5e-3)
}

@Test func activationCheckpointingGivesTheSameGradients() throws {
    let plain = try LoRATrainingModel(base: randomModel())
    let checkpointed = try LoRATrainingModel(base: randomModel(), checkpointActivations: true)
    let lora = randomAdapter(shape: plain.config, dropout: 0.3)
    var g1 = lora.zeros(), g2 = lora.zeros()
    let l1 = try plain.accumulateGradients(tokens: tokens, targets: targets, batch: 2, time: 5, lora: lora, gradients: &g1, gradScale: 0.5, dropoutSeed: 42)
    let l2 = try checkpointed.accumulateGradients(tokens: tokens, targets: targets, batch: 2, time: 5, lora: lora, gradients: &g2, gradScale: 0.5, dropoutSeed: 42)
    #expect(l1 == l2)
    #expect(g1.values == g2.values)
    #expect(g1.values.contains { $0 != 0 })
}

@Test func aReusedWorkspaceGivesTheGradientsOfAFreshModelAcrossShapes() throws {
    // one model sees (2, 5), then a smaller (1, 4) that runs inside the larger buffers, then (2, 5) again
    let reused = try LoRATrainingModel(base: randomModel())
    let lora = randomAdapter(shape: reused.config)
    let calls: [(b: Int, t: Int)] = [(2, 5), (1, 4), (2, 5)]
    for call in calls {
        let n = call.b * call.t
        let fresh = try LoRATrainingModel(base: randomModel())
        var g1 = lora.zeros(), g2 = lora.zeros()
        let l1 = try reused.accumulateGradients(tokens: Array(tokens[0..<n]), targets: Array(targets[0..<n]), batch: call.b,
                                                time: call.t, lora: lora, gradients: &g1, gradScale: 0.5)
        let l2 = try fresh.accumulateGradients(tokens: Array(tokens[0..<n]), targets: Array(targets[0..<n]), batch: call.b,
                                               time: call.t, lora: lora, gradients: &g2, gradScale: 0.5)
        #expect(l1 == l2)
        #expect(g1.values == g2.values)
    }
}

@Test func loraWithZeroBLeavesLogitsUnchanged() throws {
    let model = try LoRATrainingModel(base: randomModel(tied: false))
    var lora = randomAdapter(shape: model.config)
    for slot in lora.slots { lora.setB(slot, [Float](repeating: 0, count: slot.output * lora.settings.rank)) }
    let base = try model.logits(tokens: Array(tokens[0..<5]), lora: nil)
    let adapted = try model.logits(tokens: Array(tokens[0..<5]), lora: lora)
    #expect(base == adapted)
    let nonzero = randomAdapter(shape: model.config)
    #expect(try model.logits(tokens: Array(tokens[0..<5]), lora: nonzero) != base)
}

@Test func lossSumAgreesWithLogits() throws {
    let model = try LoRATrainingModel(base: randomModel())
    let lora = randomAdapter(shape: model.config)
    let logits = try model.logits(tokens: Array(tokens[0..<5]), lora: lora)
    var expected = 0.0
    for t in 0..<5 where targets[t] >= 0 {
        let row = logits[(t * 13)..<((t + 1) * 13)].map(Double.init)
        let m = row.max()!
        expected += m + log(row.reduce(0) { $0 + exp($1 - m) }) - row[Int(targets[t])]
    }
    let loss = try model.lossSum(tokens: Array(tokens[0..<5]), targets: Array(targets[0..<5]), batch: 1, time: 5, lora: lora)
    #expect(abs(loss - expected) < 1e-4)
}

@Test func tokenOutsideTheVocabularyIsRejected() throws {
    let model = try LoRATrainingModel(base: randomModel())
    #expect(throws: TrainingError.self) { try model.logits(tokens: [1, 13], lora: nil) }
}
