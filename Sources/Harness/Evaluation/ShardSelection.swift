import Foundation

/// Which slice of a holdout one process evaluates: the examples whose index ≡ `index` (mod `count`).
/// Round-robin rather than contiguous blocks, so every shard gets a similar mix of long and short
/// examples whatever order the file is in.
public struct ShardSelection: Sendable, Equatable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw ShardSelectionError(message: "shard \(index)/\(count) does not exist; shards are K/N with 0 ≤ K < N")
        }
        self.index = index
        self.count = count
    }

    /// `K/N`, or `auto`: Slurm's array task (`SLURM_ARRAY_TASK_ID` of `shards`, or without it
    /// `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`), else a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` of `shards`.
    public static func parse(_ text: String, shards: Int?, environment: [String: String]) throws -> ShardSelection {
        guard text == "auto" else {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
                throw ShardSelectionError(message: "--shard \(text) is not K/N or auto; pass e.g. --shard 0/4")
            }
            if let shards, shards != count {
                throw ShardSelectionError(message: "--shard \(text) disagrees with --shards \(shards); pass one of them")
            }
            return try ShardSelection(index: index, count: count)
        }
        if let task = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) {
            // With --shards the task id is the shard, so a lone resubmitted task (`--array=3`, whose
            // array has one task) is still shard 3 of N; without it the array is the whole evaluation.
            if let shards { return try ShardSelection(index: task, count: shards) }
            guard let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else {
                throw ShardSelectionError(message: "--shard auto found SLURM_ARRAY_TASK_ID but no SLURM_ARRAY_TASK_COUNT; pass --shards N")
            }
            let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            return try ShardSelection(index: task - first, count: count)
        }
        if let index = environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            guard let shards else {
                throw ShardSelectionError(message: "--shard auto found JOB_COMPLETION_INDEX; pass --shards N (the Job's completions)")
            }
            return try ShardSelection(index: index, count: shards)
        }
        throw ShardSelectionError(message: "--shard auto needs SLURM_ARRAY_TASK_ID (a Slurm array task) or "
            + "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); outside a cluster pass --shard K/N")
    }

    /// Threads for this process: Slurm's `SLURM_CPUS_PER_TASK` when set (a task must not use the
    /// cores Slurm gave its neighbours), else nil (all cores).
    public static func threadsFromScheduler(environment: [String: String]) -> Int? {
        environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init).flatMap { $0 >= 1 ? $0 : nil }
    }
}

public struct ShardSelectionError: Error, LocalizedError, Sendable, Equatable {
    public var message: String
    public var errorDescription: String? { message }
}
