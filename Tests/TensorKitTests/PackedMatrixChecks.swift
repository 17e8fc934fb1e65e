import TensorKit
import Testing

/// Checks every `PackedMatrix` (bf16, int8) must pass.
enum PackedMatrixChecks {
    /// A row's result is the same bits whatever the batch it is in and the thread count: `matrix` on
    /// every row of `a` (rows × inner) at once on two threads, against one thread, the same after the
    /// products' scratches are freed, and rows 0, 5, 17 and 39 alone.
    static func rowResultsDoNotDependOnBatchOrThreads(_ matrix: any PackedMatrix, a: [Float]) {
        let (out, inFeatures, rows) = (matrix.outputs, matrix.inner, a.count / matrix.inner)
        func run(_ first: Int, _ count: Int, threads: Int) -> [Float] {
            var c = [Float](repeating: 0, count: count * out)
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer {
                    matrix.multiply(rows: count, a: a.baseAddress! + first * inFeatures, lda: inFeatures,
                                    into: $0.baseAddress!, ldc: out, alpha: 1, beta: 0, threads: threads)
                }
            }
            return c
        }
        let batched = run(0, rows, threads: 2)
        #expect(batched == run(0, rows, threads: 1))
        // Scratches freed between two calls (as the bench does between its lines) are made again.
        Parallel.releaseFreedMemory()
        #expect(run(0, rows, threads: 2) == batched)
        for row in [0, 5, 17, 39] where row < rows {
            #expect(run(row, 1, threads: 2) == Array(batched[row * out..<(row + 1) * out]), "row \(row)")
        }
    }
}
