import Foundation
import Llama
import ModelIO
import TensorKit

/// Training throughput as `tollgate bench` reports it: rank 8 on q and v, batch 8 × 128 tokens,
/// the loss on every position (the shape of the PyTorch + PEFT measurement in DESIGN.md).
public struct TrainingBenchmarkReport: Codable, Sendable {
    /// Arithmetic of the products with frozen weights.
    public var precision: ComputePrecision
    public var batch: Int
    public var sequenceLength: Int
    public var tokensPerSecond: Double
    /// FLOPs of forward + backward (see `trainingStepFLOPs`, the same count in both precisions) per second.
    public var gflops: Double
    public var sgemmGFLOPS: Double
    public var fractionOfSgemmPeak: Double
    /// The product peak of `precision` in the same run (`Benchmark.packedGFLOPS`); nil in f32,
    /// whose peak is sgemm's.
    public var precisionPeakGFLOPS: Double?
    public var fractionOfPrecisionPeak: Double?
    public var secondsPerStep: Double
    /// The peak resident set (VmHWM) from this line's start (the process's peak so far where the
    /// kernel cannot reset it): its model, packs and step buffers.
    public var peakRSSMegabytes: Double
    /// Layers whose activations were recomputed in backward to stay within `--max-activation-mb` (0: none).
    public var recomputedLayers: Int
}

public enum TrainingBenchmark {
    /// The training line in `precision`, set against the sgemm peak (measured here when not given)
    /// and the precision's own peak when one is given.
    /// `maxActivationMB`: the activation budget of `LoRATrainingModel.maxActivationBytes` (nil: none).
    public static func run(modelURL: URL, batch: Int = 8, sequenceLength: Int = 128, steps: Int = 3,
                           precision: ComputePrecision = .f32, sgemmGFLOPS: Double? = nil,
                           precisionPeakGFLOPS: Double? = nil, maxActivationMB: Int? = nil) throws -> TrainingBenchmarkReport {
        let peak = sgemmGFLOPS ?? Benchmark.sgemmGFLOPS()
        if let reason = precision.unavailableReason { throw TrainingError.precisionUnavailable(reason: reason) }
        // The lines before this one freed their models and buffers: hand the pages they left free
        // back, so this line's peak is its own and not the previous lines' leftovers.
        Parallel.releaseFreedMemory()
        _ = Benchmark.resetPeakRSS()
        let model = try LoRATrainingModel(modelURL: modelURL, precision: precision)
        model.maxActivationBytes = maxActivationMB.map { $0 << 20 }
        let shape = model.config
        var parameters = LoRAParameters(shape: shape, settings: LoRASettings(rank: 8, alpha: 16, targets: [.q, .v]))
        var rng = TrainingRNG(seed: 1)
        var frozen = model.base.weights
        try parameters.initialize(.kaiming, rng: &rng, weights: &frozen)
        var optimizer = OptimizerState(settings: OptimizerSettings(), parameterCount: parameters.values.count)
        let n = batch * sequenceLength
        let tokens = (0..<n).map { _ in Int32(rng.next(below: shape.vocabSize)) }
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
        let flops = trainingStepFLOPs(shape: shape, settings: parameters.settings, batch: batch,
                                      sequenceLength: sequenceLength, lossRows: targets.filter { $0 >= 0 }.count)
        let gflops = flops / best / 1e9
        return TrainingBenchmarkReport(precision: precision, batch: batch, sequenceLength: sequenceLength,
                                       tokensPerSecond: Double(n) / best, gflops: gflops, sgemmGFLOPS: peak,
                                       fractionOfSgemmPeak: gflops / peak, precisionPeakGFLOPS: precisionPeakGFLOPS,
                                       fractionOfPrecisionPeak: precisionPeakGFLOPS.map { gflops / $0 },
                                       secondsPerStep: best, peakRSSMegabytes: peakResidentMegabytes(),
                                       recomputedLayers: model.recomputedLayers)
    }

    /// The training line in each of `precisions` this CPU runs (bf16 needs AVX-512 BF16), each against
    /// the sgemm peak and its own precision's peak (`peaks`, measured in the same run).
    public static func runPrecisions(_ precisions: [ComputePrecision] = ComputePrecision.allCases, modelURL: URL,
                                     steps: Int = 3, sgemmGFLOPS: Double, peaks: [ComputePrecision: Double],
                                     maxActivationMB: Int? = nil) throws -> TrainingBenchmarkLines {
        func line(_ precision: ComputePrecision) throws -> TrainingBenchmarkReport? {
            guard precisions.contains(precision), precision.unavailableReason == nil else { return nil }
            return try run(modelURL: modelURL, steps: steps, precision: precision, sgemmGFLOPS: sgemmGFLOPS,
                           precisionPeakGFLOPS: peaks[precision], maxActivationMB: maxActivationMB)
        }
        return TrainingBenchmarkLines(f32: try line(.f32), bf16: try line(.bf16), int8: try line(.int8))
    }

    /// The multiply-adds (×2) one training step needs, as PyTorch would also have to do them:
    /// - every projection, forward 2·in·out per token and its input gradient another 2·in·out, except
    ///   layer 0's q, k and v, whose input (the frozen embedding) needs no gradient;
    /// - the LM head at the positions that carry a loss, forward and input gradient, 4·V·C each;
    /// - each adapter, 2·R·(in + out) forward and twice that backward (∂A, ∂B and its input gradient);
    /// - causal attention, QKᵀ and PV over the T(T+1)/2 visible pairs, 2·2·HD each forward and twice
    ///   that backward.
    /// Norms, RoPE, softmax, SwiGLU and the optimizer are not counted.
    public static func trainingStepFLOPs(shape: LlamaConfig, settings: LoRASettings, batch: Int, sequenceLength: Int,
                                         lossRows: Int) -> Double {
        let n = Double(batch * sequenceLength)
        var flops = 4 * Double(shape.vocabSize * shape.dim) * Double(lossRows)
        for projection in LoRAProjection.allCases {
            let (input, output) = projection.features(shape)
            let size = Double(input * output)
            let layersWithInputGradient = [.q, .k, .v].contains(projection) ? shape.layers - 1 : shape.layers
            flops += 2 * size * n * Double(shape.layers) + 2 * size * n * Double(layersWithInputGradient)
            if settings.targets.contains(projection) {
                flops += 6 * Double(settings.rank * (input + output)) * n * Double(shape.layers)
            }
        }
        let visiblePairs = Double(sequenceLength * (sequenceLength + 1) / 2)
        flops += Double(shape.layers * shape.heads * batch) * 2 * 2 * Double(shape.headDim) * visiblePairs * 3
        return flops
    }

    /// VmHWM from /proc/self/status.
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}

/// The training lines of `tollgate bench`, each present when measured. In JSON the f32 line's fields
/// stay where they were (so scripts reading `tokensPerSecond` keep working), the bf16 line sits under
/// `"bf16"` and the int8 line under `"int8"`.
public struct TrainingBenchmarkLines: Encodable, Sendable {
    public var f32: TrainingBenchmarkReport?
    public var bf16: TrainingBenchmarkReport?
    public var int8: TrainingBenchmarkReport?

    /// Every line, f32 first.
    public var all: [TrainingBenchmarkReport] { [f32, bf16, int8].compactMap { $0 } }

    /// The peak RSS over every line.
    public var peakRSSMegabytes: Double { all.map(\.peakRSSMegabytes).max() ?? 0 }

    public func encode(to encoder: Encoder) throws {
        try f32?.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(bf16, forKey: .bf16)
        try container.encodeIfPresent(int8, forKey: .int8)
    }

    private enum Key: String, CodingKey { case bf16, int8 }
}
