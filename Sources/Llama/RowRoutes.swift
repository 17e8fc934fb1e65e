import TensorKit

/// Which rows of a forward call the decode kernels multiply (on the model file's quantized
/// blocks) and which go through sgemm on the Float32 weights. Decided per segment: decode steps
/// and short prompts read the small quantized weights (memory-bound), long prompts run at sgemm
/// speed (compute-bound); the rest of a prompt after a shared prefix goes by the whole prompt's length.
/// A sequence's rows take the same route whatever shares its batch, and both routes give each row
/// the same result whatever the other rows (the decode kernels by construction, sgemm through
/// `BLAS.rowInvariantLinear`), so batched generation and scoring match one-at-a-time exactly.
struct RowRoutes {
    /// Segments shorter than this use the decode kernels.
    static let decodeSegmentLimit = 32

    /// Consecutive rows that take one route.
    struct Run {
        let rows: Range<Int>
        let quantized: Bool
    }

    let runs: [Run]

    /// Routes for every token of the call, in order.
    init(segments: [SequenceSegment]) {
        self.init(flags: segments.flatMap { Array(repeating: Self.quantized($0), count: $0.count) })
    }

    /// Routes for the rows `tokens` of the call (e.g. the LM head's rows), in that order.
    init(tokens: [Int], segments: [SequenceSegment]) {
        var perToken: [Bool] = []
        perToken.reserveCapacity(tokens.count)
        for segment in segments { perToken += Array(repeating: Self.quantized(segment), count: segment.count) }
        self.init(flags: tokens.map { perToken[$0] })
    }

    /// Every one of `count` rows through sgemm.
    init(float32Rows count: Int) {
        self.init(flags: Array(repeating: false, count: count))
    }

    /// Every one of `count` rows through the decode kernels.
    init(quantizedRows count: Int) {
        self.init(flags: Array(repeating: true, count: count))
    }

    private init(flags: [Bool]) {
        var runs: [Run] = []
        var start = 0
        for i in flags.indices.dropFirst() where flags[i] != flags[start] {
            runs.append(Run(rows: start..<i, quantized: flags[start]))
            start = i
        }
        if !flags.isEmpty { runs.append(Run(rows: start..<flags.count, quantized: flags[start])) }
        self.runs = runs
    }

    private static func quantized(_ segment: SequenceSegment) -> Bool { segment.routeLength < decodeSegmentLimit }

    /// out (N, W.rows) = inp (N, W.cols) · Wᵀ for each (out, W) pair, which share the input:
    /// quantized runs through `QuantizedLinear` (one parallel job for all pairs), the others
    /// through sgemm on the matching Float32 weights.
    func linear(outs: [UnsafeMutablePointer<Float>], inp: UnsafePointer<Float>,
                quantized: [QuantizedMatrix], float32: [FloatBuffer]) {
        let inFeatures = quantized[0].cols
        for run in runs {
            let first = run.rows.lowerBound
            if run.quantized {
                QuantizedLinear.forward(outs: zip(outs, quantized).map { $0 + first * $1.rows },
                                        inp: inp + first * inFeatures, weights: quantized, rows: run.rows.count)
            } else {
                for (index, weight) in float32.enumerated() {
                    let outFeatures = quantized[index].rows
                    BLAS.rowInvariantLinear(out: outs[index] + first * outFeatures, inp: inp + first * inFeatures,
                                            weight: weight.pointer, rows: run.rows.count, inFeatures: inFeatures,
                                            outFeatures: outFeatures)
                }
            }
        }
    }

    /// out (N, out) += scale · hidden · Bᵀ, hidden (N, r) ← inp (N, in) · Aᵀ: one LoRA pair, A (r, in)
    /// and B (out, r). Quantized runs use the decode kernels on the Float32 A and B (a thread
    /// wake-up in OpenBLAS for each of these small products costs more than the product).
    func addLoRA(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                 pair: AdapterOperands.Pair, inFeatures: Int, outFeatures: Int, scale: Float) {
        let rank = pair.rank, a = pair.a, b = pair.b
        for run in runs {
            let first = run.rows.lowerBound, count = run.rows.count
            let x = inp + first * inFeatures, h = hidden + first * rank, y = out + first * outFeatures
            if run.quantized {
                QuantizedLinear.forward(out: h, inp: x, weight: QuantizedMatrix(format: .f32, rows: rank, cols: inFeatures,
                                                                                 bytes: UnsafeRawPointer(a), owner: nil),
                                        rows: count)
                QuantizedLinear.forward(out: y, inp: h, weight: QuantizedMatrix(format: .f32, rows: outFeatures, cols: rank,
                                                                                 bytes: UnsafeRawPointer(b), owner: nil),
                                        rows: count, alpha: scale, accumulate: true)
            } else {
                BLAS.rowInvariantLinear(out: h, inp: x, weight: a, rows: count, inFeatures: inFeatures, outFeatures: rank)
                BLAS.rowInvariantLinear(out: y, inp: h, weight: b, rows: count, inFeatures: rank, outFeatures: outFeatures,
                                        alpha: scale, accumulate: true)
            }
        }
    }
}
