import Foundation
import Llama
import Testing
import Training

@Test func adamWStepMatchesTheDefinition() {
    var state = OptimizerState(settings: OptimizerSettings(kind: .adamw, weightDecay: 0.1), parameterCount: 2)
    var parameters: [Float] = [1, -2]
    let gradients: [Float] = [0.5, -0.25]
    state.update(&parameters, gradients: gradients, learningRate: 0.01)
    state.update(&parameters, gradients: gradients, learningRate: 0.01)
    // by hand in float64: two steps with the same gradient
    var expected: [Double] = [1, -2]
    var m = [0.0, 0.0], v = [0.0, 0.0]
    for t in 1...2 {
        for i in 0..<2 {
            let g = Double(gradients[i])
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
            expected[i] -= 0.01 * (mHat / (vHat.squareRoot() + 1e-8) + 0.1 * expected[i])
        }
    }
    for i in 0..<2 { #expect(abs(Double(parameters[i]) - expected[i]) < 1e-6) }
    #expect(state.step == 2)
}

@Test func sgdStepIsExactlyParameterMinusRateTimesGradient() {
    var state = OptimizerState(settings: OptimizerSettings(kind: .sgd), parameterCount: 3)
    var parameters: [Float] = [0.3, -1.7, 2.5]
    state.update(&parameters, gradients: [0.1, 0.2, -0.3], learningRate: 0.5)
    #expect(parameters == [0.3 - 0.5 * 0.1, -1.7 - 0.5 * 0.2, 2.5 - 0.5 * -0.3] as [Float])
    #expect(state.m.isEmpty)
}

@Test func clippingScalesToTheMaximumNormOnlyWhenAbove() {
    var gradients: [Float] = [3, 4]
    let norm = clipGradientNorm(&gradients, maxNorm: 1)
    #expect(norm == 5)
    #expect(abs(gradients[0] - 0.6) < 1e-5 && abs(gradients[1] - 0.8) < 1e-5)
    var small: [Float] = [0.3, 0.4]
    clipGradientNorm(&small, maxNorm: 1)
    #expect(small == [0.3, 0.4])
}

@Test func scheduleWarmsUpLinearlyThenDecays() {
    let cosine = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 14, decay: .cosine)
    #expect(cosine.rate(at: 0) == 0.25)
    #expect(cosine.rate(at: 3) == 1)
    #expect(cosine.rate(at: 4) == 1)
    #expect(abs(cosine.rate(at: 9) - 0.5 * (1 + Float(cos(Double.pi * 5 / 9)))) < 1e-6)
    #expect(abs(cosine.rate(at: 13)) < 1e-6)
    let linear = LearningRateSchedule(peak: 2, warmupSteps: 0, totalSteps: 5, decay: .linear)
    #expect(linear.rate(at: 0) == 2)
    #expect(linear.rate(at: 2) == 1)
    #expect(LearningRateSchedule(peak: 3, totalSteps: 10).rate(at: 7) == 3)
}

@Test func rngIsRepeatableAndItsStateResumesTheStream() throws {
    var a = TrainingRNG(seed: 42), b = TrainingRNG(seed: 42)
    let first = (0..<5).map { _ in a.next() }
    #expect(first == (0..<5).map { _ in b.next() })
    let saved = try JSONDecoder().decode(TrainingRNG.self, from: JSONEncoder().encode(a))
    var restored = saved
    #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in restored.next() })
    #expect(TrainingRNG(seed: 43).state != TrainingRNG(seed: 42).state)
}

@Test func kaimingInitializationBoundsAAndZerosB() throws {
    let model = randomModel()
    var weights = model.weights
    var lora = LoRAParameters(shape: model.config, settings: LoRASettings(rank: 2, alpha: 4, targets: [.q, .down]))
    var rng = TrainingRNG(seed: 3)
    try lora.initialize(.kaiming, rng: &rng, weights: &weights)
    for slot in lora.slots {
        let bound = 1 / Float(slot.input).squareRoot()
        #expect(lora.a(slot).allSatisfy { abs($0) <= bound })
        #expect(lora.a(slot).contains { abs($0) > bound / 2 })
        #expect(lora.b(slot).allSatisfy { $0 == 0 })
    }
}

@Test func pissaKeepsTheEffectiveWeightAndPutsThePrincipalPartInTheAdapter() throws {
    let original = randomModel()
    var weights = original.weights
    var lora = LoRAParameters(shape: original.config, settings: LoRASettings(rank: 2, alpha: 4, targets: [.q]))
    var rng = TrainingRNG(seed: 3)
    // a rank-R factorization of W's top singular triplets, by power iteration in the test
    try lora.initialize(.pissa, rng: &rng, weights: &weights) { matrix, rows, cols, rank in
        try referenceSVD(matrix, rows: rows, cols: cols, rank: rank)
    }
    let model = try LoRATrainingModel(base: LlamaModel(config: original.config, weights: weights))
    let base = try LoRATrainingModel(base: original)
    let tokens: [Int32] = [1, 2, 3, 4]
    let adapted = try model.logits(tokens: tokens, lora: lora)
    let reference = try base.logits(tokens: tokens, lora: nil)
    #expect(zip(adapted, reference).map { abs($0 - $1) }.max()! < 1e-4)
    #expect(weights.layers[0].wq.array != original.weights.layers[0].wq.array)
}

/// Top singular triplets by repeated power iteration with deflation (Float64).
private func referenceSVD(_ m: [Float], rows: Int, cols: Int, rank: Int) throws -> (u: [Float], s: [Float], vt: [Float]) {
    var residual = m.map(Double.init)
    var u = [Float](repeating: 0, count: rows * rank), s = [Float](), vt = [Float](repeating: 0, count: rank * cols)
    for k in 0..<rank {
        var v = (0..<cols).map { Double($0 % 3) + 1 }
        var sigma = 0.0
        var left = [Double](repeating: 0, count: rows)
        for _ in 0..<500 {
            for i in 0..<rows { left[i] = (0..<cols).reduce(0) { $0 + residual[i * cols + $1] * v[$1] } }
            sigma = left.reduce(0) { $0 + $1 * $1 }.squareRoot()
            left = left.map { $0 / sigma }
            for j in 0..<cols { v[j] = (0..<rows).reduce(0) { $0 + residual[$1 * cols + j] * left[$1] } }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
        }
        s.append(Float(sigma))
        for i in 0..<rows { u[i * rank + k] = Float(left[i]) }
        for j in 0..<cols { vt[k * cols + j] = Float(v[j]) }
        for i in 0..<rows { for j in 0..<cols { residual[i * cols + j] -= sigma * left[i] * v[j] } }
    }
    return (u, s, vt)
}
