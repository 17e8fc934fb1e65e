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
    /// The bf16 product peak of the same run (`Benchmark.bf16GFLOPS`); nil without AVX-512 BF16.
    public var bf16GFLOPS: Double?
    public var fractionOfBF16Peak: Double?
    public var secondsPerStep: Double
    /// The process's peak so far (VmHWM), this line's run included.
    public var peakRSSMegabytes: Double
}

public enum TrainingBenchmark {
    /// The training line in `precision`, set against the sgemm peak (measured here when not given)
    /// and the bf16 peak when one is given.
    public static func run(modelURL: URL, batch: Int = 8, sequenceLength: Int = 128, steps: Int = 3,
                           precision: ComputePrecision = .f32, sgemmGFLOPS: Double? = nil,
                           bf16GFLOPS: Double? = nil) throws -> TrainingBenchmarkReport {
        let peak = sgemmGFLOPS ?? Benchmark.sgemmGFLOPS()
        if let reason = precision.unavailableReason { throw TrainingError.precisionUnavailable(reason: reason) }
        // The lines before this one freed their models and buffers: hand the pages they left free
        // back, so this line's peak is its own and not the previous lines' leftovers.
        Parallel.releaseFreedMemory()
        let model = try LoRATrainingModel(modelURL: modelURL, precision: precision)
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
                                       fractionOfSgemmPeak: gflops / peak, bf16GFLOPS: bf16GFLOPS,
                                       fractionOfBF16Peak: bf16GFLOPS.map { gflops / $0 },
                                       secondsPerStep: best, peakRSSMegabytes: peakResidentMegabytes())
    }

    /// The training line in f32 and, when the CPU has AVX-512 BF16, in bf16, against the same peaks.
    public static func runBothPrecisions(modelURL: URL, steps: Int = 3, sgemmGFLOPS: Double,
                                         bf16GFLOPS: Double?) throws -> TrainingBenchmarkLines {
        let f32 = try run(modelURL: modelURL, steps: steps, precision: .f32, sgemmGFLOPS: sgemmGFLOPS, bf16GFLOPS: bf16GFLOPS)
        let bf16 = ComputePrecision.bf16.unavailableReason != nil ? nil
            : try run(modelURL: modelURL, steps: steps, precision: .bf16, sgemmGFLOPS: sgemmGFLOPS, bf16GFLOPS: bf16GFLOPS)
        return TrainingBenchmarkLines(f32: f32, bf16: bf16)
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

/// Both training lines of `tollgate bench`. In JSON the f32 line's fields stay where they were
/// (so scripts reading `tokensPerSecond` keep working) and the bf16 line sits under `"bf16"`
/// (absent without AVX-512 BF16).
public struct TrainingBenchmarkLines: Encodable, Sendable {
    public var f32: TrainingBenchmarkReport
    public var bf16: TrainingBenchmarkReport?

    /// The peak RSS over both lines.
    public var peakRSSMegabytes: Double { max(f32.peakRSSMegabytes, bf16?.peakRSSMegabytes ?? 0) }

    public func encode(to encoder: Encoder) throws {
        try f32.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(bf16, forKey: .bf16)
    }

    private enum Key: String, CodingKey { case bf16 }
}
