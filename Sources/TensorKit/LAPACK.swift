import CLAPACKE
import Foundation

// The only file that imports CLAPACKE.

public struct LAPACKError: LocalizedError {
    public let routine: String
    public let info: Int32
    public var errorDescription: String? {
        "LAPACK \(routine) failed with info \(info) (\(info > 0 ? "did not converge" : "argument \(-info) invalid")); check the matrix for NaN or infinite values"
    }
}

/// A thin singular value decomposition A = U · diag(S) · Vᵀ of a row-major (rows, cols) matrix,
/// k = min(rows, cols): U (rows, k), S (k) descending, Vt (k, cols), all row-major.
public struct ThinSVD: Sendable {
    public let u: [Float]
    public let s: [Float]
    public let vt: [Float]
    public let rows: Int
    public let cols: Int
    public var rank: Int { s.count }
}

public enum LAPACK {
    /// Singular values of a row-major (rows, cols) matrix, descending.
    public static func singularValues(of matrix: [Float], rows: Int, cols: Int) throws -> [Float] {
        precondition(matrix.count == rows * cols, "matrix has \(matrix.count) values, expected \(rows)x\(cols)")
        var a = matrix
        let k = min(rows, cols)
        var s = [Float](repeating: 0, count: k)
        var superb = [Float](repeating: 0, count: max(1, k - 1))
        var unusedU: Float = 0
        var unusedVt: Float = 0
        let info = LAPACKE_sgesvd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "N")),
                                  Int32(rows), Int32(cols), &a, Int32(cols), &s,
                                  &unusedU, 1, &unusedVt, 1, &superb)
        guard info == 0 else { throw LAPACKError(routine: "sgesvd", info: info) }
        return s
    }

    /// Thin SVD of a row-major (rows, cols) matrix (divide and conquer).
    public static func thinSVD(of matrix: [Float], rows: Int, cols: Int) throws -> ThinSVD {
        precondition(matrix.count == rows * cols, "matrix has \(matrix.count) values, expected \(rows)x\(cols)")
        var a = matrix
        let k = min(rows, cols)
        var s = [Float](repeating: 0, count: k)
        var u = [Float](repeating: 0, count: rows * k)
        var vt = [Float](repeating: 0, count: k * cols)
        let info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(rows), Int32(cols),
                                  &a, Int32(cols), &s, &u, Int32(k), &vt, Int32(cols))
        guard info == 0 else { throw LAPACKError(routine: "sgesdd", info: info) }
        return ThinSVD(u: u, s: s, vt: vt, rows: rows, cols: cols)
    }
}
