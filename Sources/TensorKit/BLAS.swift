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
