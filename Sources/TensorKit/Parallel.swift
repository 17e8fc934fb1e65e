import Foundation

/// Spreads row-wise kernels over the machine's cores (2 here) on Tollgate's worker pool
/// (`ck_parallel_for`): its workers poll briefly between jobs, so the many small jobs of a decode
/// step do not each pay a thread wake-up (tens of microseconds on a virtual machine).
public enum Parallel {
    /// Worker count for the kernels; `tollgate --threads` sets it together with `BLAS.threads`.
    nonisolated(unsafe) public static var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint chunks covering `0..<count`. Work below `minimumPerChunk` items a
    /// chunk runs inline: dispatching costs a few microseconds, more than a small row takes.
    @inline(__always)
    public static func forChunks(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threads, max(1, count / max(1, minimumPerChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        forEach(chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(i)` for every i in 0 ..< count, spread over `threads` threads (the caller's
    /// included); returns when all calls have returned.
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        NativeKernels.parallelFor(count: count, threads: threads, body)
    }

    /// Frees the bf16 and int8 products' scratches and hands the free pages of the workers' malloc
    /// arenas back to the kernel (see `ck_release_free_memory`): for after a burst of large scratches
    /// made and freed on the workers, or between the bench's lines.
    public static func releaseFreedMemory() { NativeKernels.releaseFreeMemory() }
}
