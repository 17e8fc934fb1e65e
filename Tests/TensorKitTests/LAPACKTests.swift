import TensorKit
import Testing

struct LAPACKTests {
    /// diag(3, 2, 1) embedded in a 4×3 matrix and mixed by exact rotations keeps its singular values.
    @Test func singularValuesOfARotatedDiagonalAreItsEntries() throws {
        let c: Float = 0.6, s: Float = 0.8
        // rows: rotation in the (0, 1) plane applied to diag(3, 2, 1) plus a zero row
        let matrix: [Float] = [3 * c, -2 * s, 0,
                               3 * s, 2 * c, 0,
                               0, 0, 1,
                               0, 0, 0]
        let values = try LAPACK.singularValues(of: matrix, rows: 4, cols: 3)
        #expect(values.count == 3)
        for (value, expected) in zip(values, [Float(3), 2, 1]) { #expect(abs(value - expected) < 1e-5) }
    }

    @Test func thinSVDReconstructsTheMatrix() throws {
        let rows = 7, cols = 5
        let matrix = KernelTests.randomValues(rows * cols, seed: 11)
        let svd = try LAPACK.thinSVD(of: matrix, rows: rows, cols: cols)
        #expect(svd.rank == 5 && svd.u.count == rows * 5 && svd.vt.count == 5 * cols)
        #expect(zip(svd.s, svd.s.dropFirst()).allSatisfy { $0 >= $1 })
        for r in 0..<rows {
            for col in 0..<cols {
                var value: Float = 0
                for k in 0..<svd.rank { value += svd.u[r * svd.rank + k] * svd.s[k] * svd.vt[k * cols + col] }
                #expect(abs(value - matrix[r * cols + col]) < 1e-5)
            }
        }
    }
}
