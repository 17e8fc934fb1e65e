import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// `tollgate eval --shard` and `tollgate merge` end to end on the tiny fixture model: shards merge
/// into exactly the unsharded evaluation, twice changes nothing, gaps are exit 3 naming the shard,
/// disagreement is exit 2 naming the example.
@Suite(.serialized) struct ShardMergeCommandTests {
    let model = Fixtures.url("tiny-llama.gguf").path

    func makeHoldout(_ count: Int, in folder: URL) throws -> String {
        let lines = (0..<count).map { index in
            #"{"id": "ex\#(index)", "prompt": "Route message \#(index) about a refund", "completion": "billing_refund"}"#
        }
        let url = folder.appendingPathComponent("holdout.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func eval(data: String, store: String, _ extra: [String] = [], environment: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String) {
        try TollgateBinary.run(["eval", "--model", model, "--data", data, "--store", store, "--max-tokens", "6",
                                "--batch-size", "4", "--metrics", "em,chrf"] + extra, environment: environment)
    }

    /// `tollgate compare --json`'s metrics: scores, intervals and paired p-values against the first.
    func comparedMetrics(store: String, _ ids: [Int64]) throws -> String {
        let result = try TollgateBinary.run(["compare", "--store", store, "--json"] + ids.map(String.init))
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let metrics = try #require(object?["metrics"])
        return String(decoding: try JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func threeShardsMergeIntoTheUnshardedEvaluationAndTwiceChangesNoRow() throws {
        let folder = try Fixtures.temporaryFolder("shards"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(11, in: folder)
        let adapter = ["--adapter", Fixtures.url("tiny-llama-lora").path]
        // whole.db: the base model (evaluation 1, the baseline) and the adapter (2), unsharded.
        let whole = folder.appendingPathComponent("whole.db").path
        #expect(try eval(data: data, store: whole).status == 0)
        #expect(try eval(data: data, store: whole, adapter).status == 0)
        var shards: [String] = []
        for k in 0..<3 {
            let store = folder.appendingPathComponent("shard-\(k).db").path
            let result = try eval(data: data, store: store, adapter + ["--shard", "\(k)/3"])
            #expect(result.status == 0, "\(result.stderr)")
            let indices = try TollgateStore(path: store).predictions(evaluationID: 1).map(\.exampleIndex)
            #expect(indices == Array(stride(from: k, to: 11, by: 3)))
            shards.append(store)
        }
        // merged.db: whole.db's two evaluations copied (1, 2) and the shards joined as one (3).
        let merged = folder.appendingPathComponent("merged.db").path
        let first = try TollgateBinary.run(["merge", "--into", merged, whole] + shards)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("evaluation 3: 11/11 examples, complete"), "\(first.stdout)")
        #expect(try ShardTestKit.shardedEvaluation(merged) == 3)
        #expect(try ShardTestKit.quality(merged, evaluation: 3) == ShardTestKit.quality(whole, evaluation: 2))
        let pairedWhole = try comparedMetrics(store: whole, [1, 2])
        #expect(pairedWhole.contains("p_value"))
        #expect(try comparedMetrics(store: merged, [1, 3]) == pairedWhole)

        let before = try ShardTestKit.dump(merged)
        let again = try TollgateBinary.run(["merge", "--into", merged] + shards.reversed() + [whole])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 rows written"))
        #expect(try ShardTestKit.dump(merged) == before)
    }

    @Test func missingShardIsExitThreeForMergeAndGateUntilItIsMerged() throws {
        let folder = try Fixtures.temporaryFolder("gaps"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(9, in: folder)
        let stores = (0..<3).map { folder.appendingPathComponent("shard-\($0).db").path }
        for k in 0..<3 { #expect(try eval(data: data, store: stores[k], ["--shard", "\(k)/3"]).status == 0) }
        let merged = folder.appendingPathComponent("merged.db").path
        let partial = try TollgateBinary.run(["merge", "--into", merged, stores[0], stores[2]])
        #expect(partial.status == 3)
        #expect(partial.stdout.contains("6/9 examples, incomplete"))
        #expect(partial.stderr.contains("3 examples missing (1, 4, 7)"), "\(partial.stderr)")
        #expect(partial.stderr.contains("rerun shard 1/3"))
        let id = try #require(try ShardTestKit.shardedEvaluation(merged))
        let gate = try TollgateBinary.run(["gate", "--store", merged, "--baseline", "\(id)", "--candidate", "\(id)",
                                           "--metric", "em", "--max-drop", "1"])
        #expect(gate.status == 3)
        #expect(gate.stderr.contains("rerun shard 1/3"), "\(gate.stderr)")
        let compare = try TollgateBinary.run(["compare", "--store", merged, "\(id)", "\(id)"])
        #expect(compare.status == 3)
        #expect(compare.stderr.contains("3 examples missing (1, 4, 7)"), "\(compare.stderr)")

        let completed = try TollgateBinary.run(["merge", "--into", merged, stores[1]])
        #expect(completed.status == 0, "\(completed.stderr)")
        #expect(completed.stdout.contains("9/9 examples, complete"))
        #expect(try TollgateBinary.run(["gate", "--store", merged, "--baseline", "\(id)", "--candidate", "\(id)",
                                        "--metric", "em", "--max-drop", "1"]).status == 0)
    }

    @Test func shardsDisagreeingOnAGreedyAnswerAreExitTwoAndMergeNothing() throws {
        let folder = try Fixtures.temporaryFolder("disagree"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(6, in: folder)
        let original = folder.appendingPathComponent("a.db").path, altered = folder.appendingPathComponent("b.db").path
        #expect(try eval(data: data, store: original, ["--shard", "1/2"]).status == 0)
        #expect(try eval(data: data, store: altered, ["--shard", "1/2"]).status == 0)
        try DatabaseQueue(path: altered).write { db in
            try db.execute(sql: "UPDATE prediction SET output = 'something else' WHERE example_index = 3")
        }
        let merged = folder.appendingPathComponent("merged.db").path
        let result = try TollgateBinary.run(["merge", "--into", merged, original, altered])
        #expect(result.status == 2)
        #expect(result.stderr.contains("example 3 (id ex3)"), "\(result.stderr)")
        #expect(result.stderr.contains("shard 1/2"))
        let rows = try DatabaseQueue(path: merged).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction") }
        #expect(rows == 0)
    }

    @Test func shardAutoReadsSlurmArrayAndIndexedJobVariables() throws {
        let folder = try Fixtures.temporaryFolder("auto"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(7, in: folder)
        let slurm = folder.appendingPathComponent("slurm.db").path
        let result = try eval(data: data, store: slurm, ["--shard", "auto"],
                              environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_CPUS_PER_TASK": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try TollgateStore(path: slurm).predictions(evaluationID: 1).map(\.exampleIndex) == [1, 4])
        let threads = try DatabaseQueue(path: slurm).read { db in try Int.fetchOne(db, sql: "SELECT threads FROM run") }
        #expect(threads == 1)

        let k8s = folder.appendingPathComponent("k8s.db").path
        let indexed = try eval(data: data, store: k8s, ["--shard", "auto", "--shards", "2"],
                               environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(indexed.status == 0, "\(indexed.stderr)")
        #expect(try TollgateStore(path: k8s).predictions(evaluationID: 1).map(\.exampleIndex) == [1, 3, 5])

        let unsized = try eval(data: data, store: k8s, ["--shard", "auto"], environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(unsized.status == 64)
        #expect(unsized.stderr.contains("pass --shards N"))
    }
}
