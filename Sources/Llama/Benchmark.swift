import Foundation
import TensorKit

/// Figures of one `tollgate bench` run on this machine.
public struct BenchmarkReport: Codable, Sendable {
    public var openBLASCore: String
    public var threads: Int
    /// Large square sgemm, best of several runs.
    public var sgemmGFLOPS: Double
    /// The same product through `BF16Matrix` (bf16 inputs, float32 sums); nil without AVX-512 BF16.
    public var bf16GFLOPS: Double?
    /// The same product through `Int8Matrix` (int8 codes, exact int32 sums, the input's quantization
    /// included), counted as 2·n³ operations.
    public var int8GOPS: Double
    public var modelLoadSeconds: Double
    public var prefillTokens: Int
    public var prefillTokensPerSecond: Double
    /// (2 · matmul parameters per token + causal attention) FLOPs per second of prefill.
    public var prefillGFLOPS: Double
    public var prefillFractionOfSgemmPeak: Double
    public var decodeBatch1TokensPerSecond: Double
    /// Weight bytes a batch-1 decode step reads (the model file's blocks where decode reads them).
    public var decodeWeightBytesPerToken: Int
    /// decodeWeightBytesPerToken × batch-1 tokens per second.
    public var decodeBatch1WeightGBPerSecond: Double
    public var decodeBatch32TokensPerSecond: Double
    /// 2 · matmul parameters FLOPs a token (projections and LM head; attention left out) at batch 32.
    public var decodeBatch32GFLOPS: Double
    public var decodeBatch32FractionOfSgemmPeak: Double
    /// An eval-shaped batch with and without its common prefix shared, in f32.
    public var evalSharedPrefix: SharedPrefixEvalFigures
    public var peakRSSMegabytes: Double
    /// The same load, prefill and decode with `.bf16` products; nil without AVX-512 BF16.
    public var bf16Inference: PackedInferenceFigures?
    /// The same load, prefill and decode with `.int8` products.
    public var int8Inference: PackedInferenceFigures?
}

/// Load, prefill and decode of the model loaded in `.bf16` or `.int8` (`tollgate bench`'s bf16 and
/// int8 lines), with fractions of the sgemm peak and of that precision's own peak, both measured in
/// the same run.
public struct PackedInferenceFigures: Codable, Sendable {
    public var precision: ComputePrecision
    public var modelLoadSeconds: Double
    /// Bytes of the packs of the projections and the LM head.
    public var packedWeightBytes: Int
    public var prefillTokensPerSecond: Double
    public var prefillGFLOPS: Double
    public var prefillFractionOfSgemmPeak: Double
    /// The precision's own product peak of this run (`BenchmarkReport.bf16GFLOPS` or `int8GOPS`).
    public var precisionPeakGFLOPS: Double
    public var prefillFractionOfPrecisionPeak: Double
    public var decodeBatch1TokensPerSecond: Double
    public var decodeBatch32TokensPerSecond: Double
    public var decodeBatch32GFLOPS: Double
    public var decodeBatch32FractionOfSgemmPeak: Double
    public var decodeBatch32FractionOfPrecisionPeak: Double
    public var evalSharedPrefix: SharedPrefixEvalFigures
    /// Peak resident set size from this model's load on (the high-water mark is reset after the
    /// previous model is freed); nil where the kernel cannot reset it.
    public var peakRSSMegabytes: Double?
}

/// Measures sgemm, load, prefill and decode throughput of one model.
public enum Benchmark {
    public struct Options: Sendable {
        public var prefillTokens = 512
        public var decodeSteps = 64
        public var decodePromptTokens = 16
        public var largeBatch = 32
        public init() {}
    }

    /// The f32 figures, then those of each packed precision in `packed` this CPU runs.
    public static func run(modelURL: URL, options: Options = Options(),
                           packed: [ComputePrecision] = [.bf16, .int8]) throws -> BenchmarkReport {
        let sgemm = sgemmGFLOPS()
        let bf16Peak = packedGFLOPS(.bf16), int8Peak = packedGFLOPS(.int8)!
        var measured = try measure(modelURL: modelURL, precision: .f32, options: options)
        let f32 = measured.figures
        let config = measured.config
        let matmulFLOPs = 2 * Double(config.matmulParameters)
        var result = BenchmarkReport(
            openBLASCore: BLAS.coreName, threads: Parallel.threads, sgemmGFLOPS: sgemm, bf16GFLOPS: bf16Peak, int8GOPS: int8Peak,
            modelLoadSeconds: f32.loadSeconds, prefillTokens: f32.prefillTokens,
            prefillTokensPerSecond: Double(f32.prefillTokens) / f32.prefillSeconds, prefillGFLOPS: f32.prefillGFLOPS,
            prefillFractionOfSgemmPeak: f32.prefillGFLOPS / sgemm,
            decodeBatch1TokensPerSecond: f32.batch1,
            decodeWeightBytesPerToken: measured.decodeBytesPerToken,
            decodeBatch1WeightGBPerSecond: Double(measured.decodeBytesPerToken) * f32.batch1 / 1e9,
            decodeBatch32TokensPerSecond: f32.batchLarge,
            decodeBatch32GFLOPS: matmulFLOPs * f32.batchLarge / 1e9,
            decodeBatch32FractionOfSgemmPeak: matmulFLOPs * f32.batchLarge / 1e9 / sgemm,
            evalSharedPrefix: f32.sharedPrefix, peakRSSMegabytes: peakRSSMegabytes())
        // Each model is freed before the next loads; each part's peak RSS is its own from its reset.
        func measurePacked(_ precision: ComputePrecision, peak: Double) throws -> PackedInferenceFigures {
            let reset = resetPeakRSS()
            let measured = try measure(modelURL: modelURL, precision: precision, options: options)
            let figures = measured.figures
            return PackedInferenceFigures(
                precision: precision, modelLoadSeconds: figures.loadSeconds, packedWeightBytes: measured.packedBytes,
                prefillTokensPerSecond: Double(figures.prefillTokens) / figures.prefillSeconds,
                prefillGFLOPS: figures.prefillGFLOPS, prefillFractionOfSgemmPeak: figures.prefillGFLOPS / sgemm,
                precisionPeakGFLOPS: peak, prefillFractionOfPrecisionPeak: figures.prefillGFLOPS / peak,
                decodeBatch1TokensPerSecond: figures.batch1, decodeBatch32TokensPerSecond: figures.batchLarge,
                decodeBatch32GFLOPS: matmulFLOPs * figures.batchLarge / 1e9,
                decodeBatch32FractionOfSgemmPeak: matmulFLOPs * figures.batchLarge / 1e9 / sgemm,
                decodeBatch32FractionOfPrecisionPeak: matmulFLOPs * figures.batchLarge / 1e9 / peak,
                evalSharedPrefix: figures.sharedPrefix, peakRSSMegabytes: reset ? peakRSSMegabytes() : nil)
        }
        if let bf16Peak, packed.contains(.bf16) { result.bf16Inference = try measurePacked(.bf16, peak: bf16Peak) }
        if packed.contains(.int8) { result.int8Inference = try measurePacked(.int8, peak: int8Peak) }
        return result
    }

    /// Timings of one model: load, best-of-two prefill and decode runs.
    struct InferenceFigures {
        var loadSeconds: Double
        var prefillTokens: Int
        var prefillSeconds: Double
        var prefillGFLOPS: Double
        var batch1: Double
        var batchLarge: Double
        var sharedPrefix: SharedPrefixEvalFigures
    }

    /// Loads the model in `precision`, measures it, and lets it go before returning.
    private static func measure(modelURL: URL, precision: ComputePrecision, options: Options) throws
        -> (figures: InferenceFigures, config: LlamaConfig, decodeBytesPerToken: Int, packedBytes: Int) {
        let loadStart = Date()
        let model = try LlamaModel.load(url: modelURL, precision: precision)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let config = model.config

        // Prefill: one prompt of synthetic ids, logits at every position (as scoring needs).
        let t = min(options.prefillTokens, config.contextLength)
        let prompt = syntheticTokens(count: t, vocab: config.vocabSize, salt: 1)
        var prefillBest = Double.infinity
        for _ in 0..<2 {
            let cache = KVCache(config: config, slots: 1, capacity: t)
            let start = Date()
            _ = try model.forward(tokens: prompt, segments: [SequenceSegment(slot: 0, start: 0, count: t)],
                                  cache: cache, logitRows: .all)
            prefillBest = min(prefillBest, Date().timeIntervalSince(start))
        }
        let attentionFLOPs = Double(config.layers * config.heads) * 2 * 2 * Double(config.headDim) * Double(t * (t + 1) / 2)
        let prefillFLOPs = 2 * Double(config.matmulParameters) * Double(t) + attentionFLOPs

        // Best of two runs: other processes on these two cores make single runs noisy.
        let batch1 = try (0..<2).map { _ in try decodeTokensPerSecond(model: model, batch: 1, options: options) }.max()!
        let batchLarge = try (0..<2).map { _ in
            try decodeTokensPerSecond(model: model, batch: options.largeBatch, options: options)
        }.max()!
        let figures = InferenceFigures(loadSeconds: loadSeconds, prefillTokens: t, prefillSeconds: prefillBest,
                                       prefillGFLOPS: prefillFLOPs / prefillBest / 1e9, batch1: batch1, batchLarge: batchLarge,
                                       sharedPrefix: try SharedPrefixEvalFigures.measure(model: model))
        return (figures, config, model.decodeWeights?.bytesPerToken ?? 0, model.packedBytes)
    }

    /// Best of several (n × n) · (n × n) sgemm runs.
    public static func sgemmGFLOPS(size n: Int = 2048, repeats: Int = 5) -> Double {
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        for i in 0..<(n * n) {
            a[i] = Float(i % 7) * 0.1
            b[i] = Float(i % 5) * 0.1
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = Date()
            BLAS.sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
            best = min(best, Date().timeIntervalSince(start))
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    /// Best of several (n × n) · (n × n) products through `BF16Matrix` or `Int8Matrix` (the input's
    /// rounding or quantization included); nil for `.f32` or a precision this CPU cannot run.
    public static func packedGFLOPS(_ precision: ComputePrecision, size n: Int = 2048, repeats: Int = 5) -> Double? {
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        for i in 0..<(n * n) {
            a[i] = Float(i % 7) * 0.1
            b[i] = Float(i % 5) * 0.1
        }
        let packed: any PackedMatrix
        switch precision {
        case .f32: return nil
        case .bf16:
            guard let matrix = BF16Matrix(weight: b.pointer, outFeatures: n, inFeatures: n, product: .linear) else { return nil }
            packed = matrix
        case .int8:
            packed = Int8Matrix(weight: b.pointer, outFeatures: n, inFeatures: n, product: .linear)
        }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = Date()
            packed.multiply(rows: n, a: a.pointer, lda: n, into: c.pointer, ldc: n)
            best = min(best, Date().timeIntervalSince(start))
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }

    /// Decode steps of `batch` sequences after a short prefill; tokens/s over the decode steps only.
    static func decodeTokensPerSecond(model: LlamaModel, batch: Int, options: Options) throws -> Double {
        let config = model.config
        let promptLength = options.decodePromptTokens
        let cache = KVCache(config: config, slots: batch, capacity: promptLength + options.decodeSteps + 1)
        var tokens: [Int] = []
        var segments: [SequenceSegment] = []
        for s in 0..<batch {
            // Different lengths per sequence, as a real batch has.
            let length = promptLength - (s % 4)
            tokens += syntheticTokens(count: length, vocab: config.vocabSize, salt: UInt64(s + 2))
            segments.append(SequenceSegment(slot: s, start: 0, count: length))
        }
        var result = try model.forward(tokens: tokens, segments: segments, cache: cache, logitRows: .lastOfEachSegment)
        var positions = segments.map(\.end)
        let start = Date()
        for _ in 0..<options.decodeSteps {
            let next = (0..<batch).map { Sampler.argmax(result.logits.row($0), count: config.vocabSize) }
            let step = (0..<batch).map { SequenceSegment(slot: $0, start: positions[$0], count: 1) }
            result = try model.forward(tokens: next, segments: step, cache: cache, logitRows: .lastOfEachSegment)
            for s in 0..<batch { positions[s] += 1 }
        }
        return Double(batch * options.decodeSteps) / Date().timeIntervalSince(start)
    }

    /// Deterministic ids spread over the vocabulary.
    static func syntheticTokens(count: Int, vocab: Int, salt: UInt64) -> [Int] {
        var rng = SeededRandom(seed: salt)
        return (0..<count).map { _ in Int(rng.next() % UInt64(vocab)) }
    }

    /// Resets the peak resident set size to the current one (Linux's /proc/self/clear_refs); false where that fails.
    public static func resetPeakRSS() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// Peak resident set size of this process (VmHWM), in MB.
    public static func peakRSSMegabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kilobytes / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
