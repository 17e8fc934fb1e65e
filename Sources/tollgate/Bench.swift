import ArgumentParser
import Foundation
import Llama
import TensorKit

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

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("Model file \(model) does not exist; pass --model PATH or run `make setup`.")
        }
    }

    func run() throws {
        try reportingInvalidInput {
            if let threads { ThreadSettings.apply(threads) }
            let report = try Benchmark.run(modelURL: URL(fileURLWithPath: model))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                printOutput(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            printOutput("""
                OpenBLAS core       \(report.openBLASCore), \(report.threads) threads
                sgemm peak          \(format(report.sgemmGFLOPS)) GFLOP/s
                model load          \(format(report.modelLoadSeconds, 3)) s
                prefill (\(report.prefillTokens) tok)   \(format(report.prefillTokensPerSecond)) tok/s, \(format(report.prefillGFLOPS)) GFLOP/s = \(format(100 * report.prefillFractionOfSgemmPeak))% of sgemm peak
                decode batch 1      \(format(report.decodeBatch1TokensPerSecond)) tok/s
                decode batch 32     \(format(report.decodeBatch32TokensPerSecond)) tok/s
                peak RSS            \(format(report.peakRSSMegabytes)) MB
                """)
        }
    }

    private func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}

/// `--threads N`: the same count for OpenBLAS and Tollgate's own kernels.
enum ThreadSettings {
    static func apply(_ threads: Int) {
        BLAS.threads = threads
        Parallel.threads = threads
    }
}
