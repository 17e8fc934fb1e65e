import CBLAS
import Foundation

// The only file that imports CBLAS. Everything else calls these wrappers.

/// OpenBLAS process settings: which kernels it loaded and how many threads it uses.
public enum BLAS {
    /// The core OpenBLAS chose when it loaded, e.g. "SkylakeX" or "Haswell".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS on one thread: for many small products spread over the cores by
    /// `Parallel`, each a one-thread sgemm, which beats OpenBLAS splitting every small product over
    /// the cores (measured 3–4× on attention).
    @inline(__always)
    public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        let saved = threads
        if saved > 1 { threads = 1 }
        defer { if saved > 1 { threads = saved } }
        return try body()
    }

    /// OpenBLAS reads `OPENBLAS_CORETYPE` in its load-time constructor and, not knowing Zen 5, picks
    /// its Haswell kernels (about half the sgemm speed of its SkylakeX ones on this AVX-512 CPU).
    /// Setting the variable from `main` is too late, so when the CPU has AVX-512 and the user has not
    /// chosen a core, re-execute this same program once with `OPENBLAS_CORETYPE=SkylakeX`.
    /// Returns only when no re-exec was needed (or it failed, in which case we run on Haswell kernels).
    public static func reexecWithPreferredCoreIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              CPUFeatures.hasAVX512F else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        for pointer in argv { free(pointer) }
    }
}

/// CPU features read from /proc/cpuinfo (Linux) once.
public enum CPUFeatures {
    public static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }()

    public static var hasAVX512F: Bool { flags.contains("avx512f") }
}

// MARK: - Matrix products (row-major). These are the only BLAS calls in Tollgate.

extension BLAS {
    /// C (m, n) = alpha · op(A) · op(B) + beta · C, all row-major; op transposes when asked.
    /// A is (m, k) or, transposed, (k, m); B is (k, n) or, transposed, (n, k).
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        NativeKernels.parkWorkers()  // OpenBLAS brings its own threads; polling pool workers would slow them
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y (m or n) = alpha · op(A) · x + beta · y with A (m, n) row-major.
    @inline(__always)
    public static func sgemv(transpose: Bool = false, m: Int, n: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                             beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        NativeKernels.parkWorkers()
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// out (rows, outFeatures) = inp (rows, inFeatures) · weightᵀ, weight (outFeatures, inFeatures) as
    /// PyTorch's `Linear` stores it; with `accumulate` the product is added to `out` (scaled by `alpha`).
    @inline(__always)
    public static func linear(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                              weight: UnsafePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int,
                              alpha: Float = 1, accumulate: Bool = false) {
        guard rows > 0, outFeatures > 0 else { return }
        if rows == 1 {
            sgemv(m: outFeatures, n: inFeatures, alpha: alpha, a: weight, lda: inFeatures, x: inp,
                  beta: accumulate ? 1 : 0, y: out)
        } else {
            sgemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures, alpha: alpha,
                  a: inp, lda: inFeatures, b: weight, ldb: inFeatures,
                  beta: accumulate ? 1 : 0, c: out, ldc: outFeatures)
        }
    }

    /// Below this many multiply-adds (M·N·K) OpenBLAS's SkylakeX build takes its small-matrix
    /// kernels (about 100³), whose sums depend on the row count; above it the blocked kernels
    /// give each row the same bits whatever the row count and threading.
    static let smallProductLimit = 1 << 20

    /// `linear` whose row results do not depend on how many rows are multiplied together: never
    /// sgemv (one row), and a product small enough for OpenBLAS's small-matrix kernels is padded
    /// with zero rows past `smallProductLimit` (at most about a million extra multiply-adds). Used
    /// where a sequence's answer must not depend on what shares its batch.
    public static func rowInvariantLinear(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                          weight: UnsafePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int,
                                          alpha: Float = 1, accumulate: Bool = false) {
        guard rows > 0, outFeatures > 0 else { return }
        let perRow = max(1, inFeatures * outFeatures)
        guard rows * perRow <= smallProductLimit else {
            sgemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures, alpha: alpha, a: inp, lda: inFeatures,
                  b: weight, ldb: inFeatures, beta: accumulate ? 1 : 0, c: out, ldc: outFeatures)
            return
        }
        let padded = smallProductLimit / perRow + 1
        let x = UnsafeMutablePointer<Float>.allocate(capacity: padded * inFeatures)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: padded * outFeatures)
        defer { x.deallocate(); y.deallocate() }
        x.update(from: inp, count: rows * inFeatures)
        (x + rows * inFeatures).initialize(repeating: 0, count: (padded - rows) * inFeatures)
        if accumulate { y.update(from: out, count: rows * outFeatures) }
        (y + (accumulate ? rows : 0) * outFeatures).initialize(repeating: 0, count: (padded - (accumulate ? rows : 0)) * outFeatures)
        sgemm(transposeB: true, m: padded, n: outFeatures, k: inFeatures, alpha: alpha, a: x, lda: inFeatures,
              b: weight, ldb: inFeatures, beta: accumulate ? 1 : 0, c: y, ldc: outFeatures)
        out.update(from: y, count: rows * outFeatures)
    }
}
