import Foundation
import Llama
import ModelIO
import TensorKit

/// Training throughput as `tollgate bench` reports it: rank 8 on q and v, batch 8 × 128 tokens,
/// the loss on every position (the shape of the PyTorch + PEFT measurement in DESIGN.md).
public struct TrainingBenchmarkReport: Codable, Sendable {
    public var batch: Int
    public var sequenceLength: Int
    public var tokensPerSecond: Double
    /// Matmul and attention FLOPs of forward + backward per second.
    public var gflops: Double
    public var sgemmGFLOPS: Double
    public var fractionOfSgemmPeak: Double
    public var secondsPerStep: Double
    public var peakRSSMegabytes: Double
}

public enum TrainingBenchmark {
    public static func run(modelURL: URL, batch: Int = 8, sequenceLength: Int = 128, steps: Int = 3,
                           sgemmGFLOPS: Double? = nil) throws -> TrainingBenchmarkReport {
        let peak = sgemmGFLOPS ?? Benchmark.sgemmGFLOPS()
        let weights = try FrozenWeights(modelURL: modelURL)
        let model = try LoRATrainingModel(weights: weights)
        let shape = model.shape
        var parameters = LoRAParameters(shape: shape, settings: LoRASettings(rank: 8, alpha: 16, targets: [.q, .v]))
        var rng = TrainingRNG(seed: 1)
        var frozen = weights
        try parameters.initialize(.kaiming, rng: &rng, weights: &frozen)
        var optimizer = OptimizerState(settings: OptimizerSettings(), parameterCount: parameters.values.count)
        let n = batch * sequenceLength
        let tokens = (0..<n).map { _ in Int32(rng.next(below: shape.vocabulary)) }
        var targets = [Int32](repeating: -1, count: n)
        for b in 0..<batch { for t in 0..<(sequenceLength - 1) { targets[b * sequenceLength + t] = tokens[b * sequenceLength + t + 1] } }
        var best = Double.infinity
        for _ in 0..<(steps + 1) {   // the first step warms caches and allocations
            let start = Date()
            var gradients = parameters.zeros()
            _ = try model.accumulateGradients(tokens: tokens, targets: targets, batch: batch, time: sequenceLength,
                                              lora: parameters, gradients: &gradients, gradScale: 1 / Float(n))
            optimizer.update(&parameters.values, gradients: gradients.values, learningRate: 1e-4)
            best = min(best, Date().timeIntervalSince(start))
        }
        // forward 2·P and input-gradient 2·P per token for every matrix (the base gets no weight
        // gradient), the LM head included; attention QKᵀ and AV, forward once and backward twice.
        var matmulParameters = shape.vocabulary * shape.width
        for projection in LoRAProjection.allCases {
            let (input, output) = shape.dimensions(of: projection)
            matmulParameters += shape.layers * input * output
        }
        let attention = Double(shape.layers * shape.heads * batch) * 2 * 2 * Double(shape.headDim)
            * Double(sequenceLength * (sequenceLength + 1) / 2) * 3
        let flops = 4 * Double(matmulParameters) * Double(n) + attention
        let gflops = flops / best / 1e9
        return TrainingBenchmarkReport(batch: batch, sequenceLength: sequenceLength, tokensPerSecond: Double(n) / best,
                                       gflops: gflops, sgemmGFLOPS: peak, fractionOfSgemmPeak: gflops / peak,
                                       secondsPerStep: best, peakRSSMegabytes: peakResidentMegabytes())
    }

    /// VmHWM from /proc/self/status.
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}
