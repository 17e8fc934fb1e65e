import Foundation
import Store
import TestSupport
import Testing

/// A sharded evaluation of the support-routing holdout with SmolLM2 on a real single-node Slurm:
/// a 4-task array merged is exactly the unsharded evaluation; a task cancelled before it ran leaves
/// merge and gate at exit 3 naming its examples and shard until it is resubmitted and merged.
/// Needs the Slurm packages (`make test` installs them) and the default model; run it in release.
@Suite(.serialized) struct SlurmShardedEvalTests {
    static let repository = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
    static let data = repository.appendingPathComponent("Datasets/support-routing/holdout.jsonl").path
    static let evalArguments = ["--data", data, "--max-tokens", "8", "--metrics", "em,chrf"]

    /// The array task's script: shard `SLURM_ARRAY_TASK_ID` of 4 into its own store in `folder`.
    static func script(model: String, folder: URL) -> String {
        let arguments = (["eval", "--model", model] + evalArguments + ["--shard", "auto", "--shards", "4"])
            .map { "'\($0)'" }.joined(separator: " ")
        return """
            #!/bin/bash
            set -e
            exec '\(TollgateBinary.url.path)' \(arguments) --store '\(folder.path)'/shard-"$SLURM_ARRAY_TASK_ID".db

            """
    }

    static func seconds(since start: Date) -> String { String(format: "%.1f", Date().timeIntervalSince(start)) }

    /// `make test` sets TOLLGATE_REQUIRE_SLURM=1, which turns missing Slurm packages into a failure instead of a skip.
    static let runs = (SlurmCluster.isInstalled || ProcessInfo.processInfo.environment["TOLLGATE_REQUIRE_SLURM"] == "1")
        && Fixtures.smolLM2 != nil

    @Test(.enabled(if: runs, "needs slurmctld, slurmd, munge (make slurm) and the default model"))
    func arrayEvaluationMergesIntoTheUnshardedOneAndACancelledTaskIsNamedUntilRerun() throws {
        let model = try #require(Fixtures.smolLM2).path
        let folder = try Fixtures.temporaryFolder("slurm-eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let suiteStart = Date()
        let cluster = try SlurmCluster()
        defer { cluster.stop() }
        print("slurm: cluster up in \(Self.seconds(since: suiteStart)) s")

        // The same evaluation, unsharded, on all cores.
        let whole = folder.appendingPathComponent("whole.db").path
        var start = Date()
        let unsharded = try TollgateBinary.run(["eval", "--model", model] + Self.evalArguments + ["--store", whole])
        #expect(unsharded.status == 0, "\(unsharded.stderr)")
        print("slurm: unsharded evaluation \(Self.seconds(since: start)) s")

        // Four array tasks, one CPU each (SLURM_CPUS_PER_TASK sets tollgate's threads).
        let shards = folder.appendingPathComponent("array", isDirectory: true)
        try FileManager.default.createDirectory(at: shards, withIntermediateDirectories: true)
        let logs = folder.appendingPathComponent("logs", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        start = Date()
        let job = try cluster.submit(script: Self.script(model: model, folder: shards),
                                     arguments: ["--array=0-3", "--cpus-per-task=1", "--output=\(logs)/%A_%a.log"])
        try cluster.waitUntilDone(job: job, seconds: 1800)
        print("slurm: 4-task array evaluation \(Self.seconds(since: start)) s")
        let stores = (0..<4).map { shards.appendingPathComponent("shard-\($0).db").path }
        for (task, store) in stores.enumerated() {
            #expect(FileManager.default.fileExists(atPath: store), "task \(task): \(cluster.state(job: job, task: task) ?? "?")")
        }

        let merged = folder.appendingPathComponent("merged.db").path
        start = Date()
        let merge = try TollgateBinary.run(["merge", "--into", merged] + stores)
        print("slurm: merge \(Self.seconds(since: start)) s")
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("210/210 examples, complete"), "\(merge.stdout)")
        let id = try #require(try ShardTestKit.shardedEvaluation(merged))
        let expected = try ShardTestKit.quality(whole, evaluation: 1)
        #expect(expected.outputs.count == 210)
        #expect(try ShardTestKit.quality(merged, evaluation: id) == expected)
        let dump = try ShardTestKit.dump(merged)
        #expect(try TollgateBinary.run(["merge", "--into", merged] + stores).status == 0)
        #expect(try ShardTestKit.dump(merged) == dump)

        // Again, with task 3 cancelled before it ran. Tasks 0-2 get the first array's stores (and
        // with them its generation cache), so they answer without generating.
        let second = folder.appendingPathComponent("second", isDirectory: true)
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        for task in 0..<3 {
            try FileManager.default.copyItem(atPath: stores[task], toPath: second.appendingPathComponent("shard-\(task).db").path)
        }
        let held = try cluster.submit(script: Self.script(model: model, folder: second),
                                      arguments: ["--array=0-3", "--hold", "--cpus-per-task=1", "--output=\(logs)/%A_%a.log"])
        try cluster.client("scancel", ["\(held)_3"])
        try cluster.client("scontrol", ["release", held])
        try cluster.waitUntilDone(job: held, seconds: 600)
        let present = (0..<4).map { second.appendingPathComponent("shard-\($0).db").path }
            .filter { FileManager.default.fileExists(atPath: $0) }
        #expect(present.count == 3)
        let partialStore = folder.appendingPathComponent("partial.db").path
        let partial = try TollgateBinary.run(["merge", "--into", partialStore] + present)
        #expect(partial.status == 3)
        let missing = stride(from: 3, to: 210, by: 4).prefix(10).map(String.init).joined(separator: ", ")
        #expect(partial.stderr.contains("52 examples missing (\(missing), …)"), "\(partial.stderr)")
        #expect(partial.stderr.contains("rerun shard 3/4"))
        let partialID = try #require(try ShardTestKit.shardedEvaluation(partialStore))
        let gate = try TollgateBinary.run(["gate", "--store", partialStore, "--baseline", "\(partialID)",
                                           "--candidate", "\(partialID)", "--metric", "em", "--max-drop", "1"])
        #expect(gate.status == 3)
        #expect(gate.stderr.contains("rerun shard 3/4"), "\(gate.stderr)")

        let rerun = try cluster.submit(script: Self.script(model: model, folder: second),
                                       arguments: ["--array=3", "--cpus-per-task=1", "--output=\(logs)/%A_%a.log"])
        try cluster.waitUntilDone(job: rerun, seconds: 900)
        let completed = try TollgateBinary.run(["merge", "--into", partialStore, second.appendingPathComponent("shard-3.db").path])
        #expect(completed.status == 0, "\(completed.stderr)")
        #expect(try ShardTestKit.quality(partialStore, evaluation: partialID) == expected)
        #expect(try TollgateBinary.run(["gate", "--store", partialStore, "--baseline", "\(partialID)",
                                        "--candidate", "\(partialID)", "--metric", "em", "--max-drop", "1"]).status == 0)
        print("slurm: whole test \(Self.seconds(since: suiteStart)) s")
    }
}
