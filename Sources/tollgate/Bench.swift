import ArgumentParser
import Foundation
import Harness
import Llama
import TensorKit
import Training

/// `tollgate bench`: this machine's sgemm peak and the model's load, prefill and decode speed.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure sgemm GFLOP/s, model load time, prefill and decode tokens/s, and peak memory.")

    @Option(help: "GGUF model to measure.")
    var model: String = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Flag(help: "Print the figures as JSON.")
    var json = false

    @Option(help: "Threads for OpenBLAS and the kernels (default: all cores).")
    var threads: Int?

    @Flag(help: "Measure only the sgemm peak and the training line (skips load, prefill and decode).")
    var trainingOnly = false

    @Option(help: "Training steps measured after one warm-up step; the fastest counts (other processes on the cores slow single steps).")
    var trainingSteps = 3

    @Option(help: "Keep at most this many MB of activations in the training lines, recomputing the first layers in backward (as `train --max-activation-mb`).")
    var maxActivationMb: Int?

    @Option(help: "Precision lines to measure: all, or one of f32, bf16, int8, auto (the f32 inference lines, the reference, always run).")
    var precision = "all"

    /// The precisions `--precision` names.
    private var precisions: [ComputePrecision] {
        precision == "all" ? ComputePrecision.allCases : [ComputePrecision.named(precision)!]
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if trainingSteps < 1 { throw ValidationError("--training-steps must be at least 1.") }
        if let maxActivationMb, maxActivationMb <= 0 { throw ValidationError("--max-activation-mb must be positive.") }
        if precision != "all" { _ = try PrecisionOption.parse(precision) }
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("Model file \(model) does not exist; pass --model PATH or run `make setup`.")
        }
    }

    func run() throws {
        try reportingInvalidInput {
            if let threads { ThreadSettings.apply(threads) }
            if trainingOnly {
                try runTrainingOnly()
                return
            }
            let report = try Benchmark.run(modelURL: URL(fileURLWithPath: model), packed: precisions)
            let training = try TrainingBenchmark.runPrecisions(
                precisions, modelURL: URL(fileURLWithPath: model), steps: trainingSteps, sgemmGFLOPS: report.sgemmGFLOPS,
                peaks: Self.peaks(bf16: report.bf16GFLOPS, int8: report.int8GOPS), maxActivationMB: maxActivationMb)
            let logLikelihood = try LogLikelihoodBenchFigures.measure(modelURL: URL(fileURLWithPath: model))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                printOutput(String(decoding: try encoder.encode(BenchOutput(inference: report, training: training,
                                                                            logLikelihood: logLikelihood)), as: UTF8.self))
                return
            }
            printOutput("""
                OpenBLAS core       \(report.openBLASCore), \(report.threads) threads
                sgemm peak          \(format(report.sgemmGFLOPS)) GFLOP/s
                bf16 peak           \(report.bf16GFLOPS.map { "\(format($0)) GFLOP/s" } ?? "n/a (no AVX-512 BF16)")
                int8 peak           \(format(report.int8GOPS)) GOP/s (\(Int8Matrix.InstructionSet.best))
                model load          \(format(report.modelLoadSeconds, 3)) s
                prefill (\(report.prefillTokens) tok)   \(format(report.prefillTokensPerSecond)) tok/s, \(format(report.prefillGFLOPS)) GFLOP/s = \(format(100 * report.prefillFractionOfSgemmPeak))% of sgemm peak
                decode batch 1      \(format(report.decodeBatch1TokensPerSecond)) tok/s, \(format(Double(report.decodeWeightBytesPerToken) / 1e6)) MB of weights a token = \(format(report.decodeBatch1WeightGBPerSecond)) GB/s
                decode batch 32     \(format(report.decodeBatch32TokensPerSecond)) tok/s, \(format(report.decodeBatch32GFLOPS)) GFLOP/s = \(format(100 * report.decodeBatch32FractionOfSgemmPeak))% of sgemm peak
                \(sharedPrefixLine(report.evalSharedPrefix, precision: .f32))
                \(logLikelihoodLine(logLikelihood))
                \(packedInferenceLines(report.bf16Inference, precision: .bf16, measured: precisions.contains(.bf16)))
                \(packedInferenceLines(report.int8Inference, precision: .int8, measured: precisions.contains(.int8)))
                \(trainingLine(training))
                peak RSS            \(format(report.peakRSSMegabytes)) MB after inference, \(format(max(report.peakRSSMegabytes, training.peakRSSMegabytes))) MB after training
                """)
        }
    }

    private func runTrainingOnly() throws {
        let sgemm = Benchmark.sgemmGFLOPS(), bf16 = Benchmark.packedGFLOPS(.bf16), int8 = Benchmark.packedGFLOPS(.int8)!
        let training = try TrainingBenchmark.runPrecisions(precisions, modelURL: URL(fileURLWithPath: model), steps: trainingSteps,
                                                           sgemmGFLOPS: sgemm, peaks: Self.peaks(bf16: bf16, int8: int8),
                                                           maxActivationMB: maxActivationMb)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            printOutput(String(decoding: try encoder.encode(training), as: UTF8.self))
            return
        }
        printOutput("""
            OpenBLAS core       \(BLAS.coreName), \(Parallel.threads) threads
            sgemm peak          \(format(sgemm)) GFLOP/s
            bf16 peak           \(bf16.map { "\(format($0)) GFLOP/s" } ?? "n/a (no AVX-512 BF16)")
            int8 peak           \(format(int8)) GOP/s (\(Int8Matrix.InstructionSet.best))
            \(trainingLine(training))
            peak RSS            \(format(training.peakRSSMegabytes)) MB after training
            """)
    }

    /// The peaks of the packed precisions this CPU runs.
    static func peaks(bf16: Double?, int8: Double) -> [ComputePrecision: Double] {
        var peaks: [ComputePrecision: Double] = [.int8: int8]
        peaks[.bf16] = bf16
        return peaks
    }

    /// A bf16 or int8 model's load, prefill and decode, as fractions of the sgemm peak and its own.
    private func packedInferenceLines(_ figures: PackedInferenceFigures?, precision: ComputePrecision, measured: Bool) -> String {
        let name = precision.rawValue
        guard let figures else {
            return "\(name) inference      n/a (\(measured ? precision.unavailableReason ?? "not measured" : "not asked for"))"
        }
        func peaks(_ sgemmFraction: Double, _ ownFraction: Double) -> String {
            "\(format(100 * sgemmFraction))% of sgemm peak, \(format(100 * ownFraction))% of \(name) peak"
        }
        return """
            \(name) model load     \(format(figures.modelLoadSeconds, 3)) s, \(format(Double(figures.packedWeightBytes) / 1e6)) MB of packed weights, peak RSS \(figures.peakRSSMegabytes.map { "\(format($0)) MB" } ?? "n/a")
            \(name) prefill        \(format(figures.prefillTokensPerSecond)) tok/s, \(format(figures.prefillGFLOPS)) GFLOP/s = \(peaks(figures.prefillFractionOfSgemmPeak, figures.prefillFractionOfPrecisionPeak))
            \(name) decode batch 1 \(format(figures.decodeBatch1TokensPerSecond)) tok/s
            \(name) decode batch 32 \(format(figures.decodeBatch32TokensPerSecond)) tok/s, \(format(figures.decodeBatch32GFLOPS)) GFLOP/s = \(peaks(figures.decodeBatch32FractionOfSgemmPeak, figures.decodeBatch32FractionOfPrecisionPeak))
            \(sharedPrefixLine(figures.evalSharedPrefix, precision: precision))
            """
    }

    /// "eval, shared prefix": prompts per second with the common prefix prefilled once, and without.
    private func sharedPrefixLine(_ figures: SharedPrefixEvalFigures, precision: ComputePrecision) -> String {
        let label = (precision == .f32 ? "" : "\(precision.rawValue) ") + "eval, shared prefix"
        return label.padding(toLength: max(20, label.count + 1), withPad: " ", startingAt: 0)
            + "\(format(figures.promptsPerSecond)) prompts/s, \(format(figures.unsharedPromptsPerSecond)) without sharing "
            + "(\(format(figures.speedup, 2))×; \(figures.prompts) prompts of \(figures.commonTokens) common tokens, "
            + "\(figures.sharedTokens) shared, + \(figures.ownTokens.lowerBound)–\(figures.ownTokens.upperBound) own, "
            + "\(figures.newTokens) new each)"
    }

    /// "eval, log-likelihood": continuation tokens/s with each context computed once for its choices,
    /// and computed again for every choice (lm-eval's HF backend), in the same run.
    private func logLikelihoodLine(_ figures: LogLikelihoodBenchFigures) -> String {
        "eval, log-likelihood".padding(toLength: 20, withPad: " ", startingAt: 0)
            + "\(format(figures.continuationTokensPerSecond)) continuation tok/s, \(format(figures.wholeSequenceContinuationTokensPerSecond)) "
            + "with each choice's context computed again (\(format(figures.speedup, 2))×; \(figures.items) items of \(figures.contextTokens) "
            + "context tokens, \(figures.choices) choices of \(figures.choiceTokens), f32)"
    }

    /// One line per precision: "training LoRA f32", "… bf16" (when the CPU has it) and "… int8".
    private func trainingLine(_ lines: TrainingBenchmarkLines) -> String {
        lines.all.map { training in
            "training LoRA \(training.precision.rawValue)".padding(toLength: 20, withPad: " ", startingAt: 0) + "\(format(training.tokensPerSecond)) tok/s (rank 8 q,v, batch \(training.batch)×\(training.sequenceLength)), "
                + "\(format(training.gflops)) GFLOP/s = \(format(100 * training.fractionOfSgemmPeak))% of sgemm peak"
                + (training.fractionOfPrecisionPeak.map { ", \(format(100 * $0))% of \(training.precision.rawValue) peak" } ?? "")
                + ", peak RSS \(format(training.peakRSSMegabytes)) MB"
                + (training.recomputedLayers > 0 ? ", \(training.recomputedLayers) layers recomputed" : "")
        }.joined(separator: "\n")
    }

    private func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}

/// `--json`: the inference figures with the training line beside them.
struct BenchOutput: Encodable {
    var inference: BenchmarkReport
    var training: TrainingBenchmarkLines
    var logLikelihood: LogLikelihoodBenchFigures?

    func encode(to encoder: Encoder) throws {
        try inference.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(training, forKey: Key(stringValue: "training")!)
        try container.encodeIfPresent(logLikelihood, forKey: Key(stringValue: "eval_loglikelihood")!)
    }

    struct Key: CodingKey {
        var stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// `--threads N`: the same count for OpenBLAS and Tollgate's own kernels.
enum ThreadSettings {
    static func apply(_ threads: Int) {
        BLAS.threads = threads
        Parallel.threads = threads
    }
}
