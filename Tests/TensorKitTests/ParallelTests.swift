import Dispatch
import TensorKit
import Testing

/// The worker pool under `Parallel`: every index exactly once per job, over many back-to-back jobs
/// (the decode pattern), from inside a job, and from several threads at once.
struct ParallelTests {
    /// Runs `jobs` jobs of varying size; each index bumps its own slot, so a slot ≠ 1 after a job
    /// means an index ran twice or never.
    static func runJobs(_ jobs: Int, seed: Int) -> Bool {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { slots.deallocate() }
        for job in 0..<jobs {
            let count = 1 + (job * 7 + seed) % 64
            slots.update(repeating: 0, count: count)
            Parallel.forEach(count) { slots[$0] += 1 }
            for i in 0..<count where slots[i] != 1 { return false }
        }
        return true
    }

    @Test func everyIndexRunsExactlyOnceAcrossManyJobs() {
        #expect(Self.runJobs(100_000, seed: 0))
    }

    @Test func aJobStartedInsideAJobRunsToCompletion() {
        let outer = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 16)
        defer { outer.deallocate() }
        outer.update(repeating: 0, count: 8 * 16)
        Parallel.forEach(8) { i in Parallel.forEach(16) { j in outer[i * 16 + j] += 1 } }
        #expect((0..<(8 * 16)).allSatisfy { outer[$0] == 1 })
    }

    @Test func jobsFromSeveralThreadsAtOnceAllComplete() {
        let results = UnsafeMutablePointer<Bool>.allocate(capacity: 3)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 3) { thread in results[thread] = Self.runJobs(3_000, seed: thread) }
        #expect((0..<3).allSatisfy { results[$0] })
    }
}
