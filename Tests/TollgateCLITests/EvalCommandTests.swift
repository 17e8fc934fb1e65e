import Foundation
import GRDB
import Store
import TestSupport
import Testing
import TensorKit

/// `tollgate eval` end to end on the tiny fixture model: rows, resume after SIGKILL, concurrent
/// writers, the cache, and bad input that must leave nothing behind.
@Suite(.serialized) struct EvalCommandTests {
    let model = Fixtures.url("tiny-llama.gguf").path

    /// A holdout set of `count` prompt/completion lines in a new folder.
    func makeHoldout(_ count: Int, in folder: URL) throws -> String {
        let lines = (0..<count).map { index in
            #"{"id": "ex\#(index)", "prompt": "Route message number \#(index) about a refund", "completion": "billing_refund"}"#
        }
        let url = folder.appendingPathComponent("holdout.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }


    func evalArguments(data: String, store: String, extra: [String] = []) -> [String] {
        ["eval", "--model", model, "--data", data, "--store", store, "--max-tokens", "12", "--batch-size", "4",
         "--metrics", "em,chrf"] + extra
    }

    /// (example index → output) and metric values of one evaluation.
    func stored(_ path: String, evaluation: Int64) throws -> (outputs: [Int: String], indices: [Int], metrics: [String: Double]) {
        let store = try TollgateStore(path: path)
        let predictions = try store.predictions(evaluationID: evaluation)
        let metrics = try store.metrics(evaluationID: evaluation).filter { ["em", "chrf"].contains($0.metric) }
        return (Dictionary(uniqueKeysWithValues: predictions.map { ($0.exampleIndex, $0.output) }),
                predictions.map(\.exampleIndex).sorted(),
                Dictionary(uniqueKeysWithValues: metrics.map { ($0.metric, $0.value) }))
    }

    @Test func evalWritesOnePredictionPerExampleAndItsMetrics() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(10, in: folder), store = folder.appendingPathComponent("t.db").path
        let json = folder.appendingPathComponent("summary.json").path
        let result = try TollgateBinary.run(evalArguments(data: data, store: store, extra: ["--json", json]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("10 examples: 10 generated, 0 from cache"))
        #expect(result.stdout.contains("latency     p50"))
        let rows = try stored(store, evaluation: 1)
        #expect(rows.indices == Array(0..<10))
        #expect(Set(rows.metrics.keys) == ["em", "chrf"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect(summary?["examples"] as? Int == 10)
        #expect((summary?["metrics"] as? [[String: Any]])?.count == 2)
    }

    @Test func identicalEvaluationIsAnsweredFromTheCache() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(8, in: folder), store = folder.appendingPathComponent("t.db").path
        let first = try TollgateBinary.run(evalArguments(data: data, store: store))
        let second = try TollgateBinary.run(evalArguments(data: data, store: store))
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(second.stdout.contains("8 examples: 0 generated, 8 from cache"))
        #expect(try stored(store, evaluation: 1).outputs == stored(store, evaluation: 2).outputs)
        let forced = try TollgateBinary.run(evalArguments(data: data, store: store, extra: ["--no-cache"]))
        #expect(forced.stdout.contains("8 examples: 8 generated"))
    }

    /// bf16 answers are cached and stored apart from f32 ones, with the precision in the evaluation's
    /// decoding settings; where the CPU has no AVX-512 BF16 the command is exit 2 naming why, and
    /// no store is created.
    @Test func bf16EvaluationIsItsOwnIdentityOrExitTwoWithoutBF16() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(6, in: folder), store = folder.appendingPathComponent("t.db").path
        let bf16 = try TollgateBinary.run(evalArguments(data: data, store: store, extra: ["--precision", "bf16"]))
        guard ComputePrecision.bf16.unavailableReason == nil else {
            #expect(bf16.status == 2 && bf16.stderr.contains("AVX-512 BF16"))
            #expect(bf16.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: store))
            return
        }
        #expect(bf16.status == 0, "\(bf16.stderr)")
        #expect(bf16.stdout.contains("6 examples: 6 generated"))
        let f32 = try TollgateBinary.run(evalArguments(data: data, store: store))
        #expect(f32.stdout.contains("6 examples: 6 generated, 0 from cache"), "f32 does not reuse bf16 answers")
        let again = try TollgateBinary.run(evalArguments(data: data, store: store, extra: ["--precision", "bf16"]))
        #expect(again.stdout.contains("6 examples: 0 generated, 6 from cache"))
        let records = try TollgateStore(path: store)
        #expect(try records.evaluation(id: 1)?.decodingJSON.contains(#""precision":"bf16""#) == true)
        #expect(try records.evaluation(id: 2)?.decodingJSON.contains("precision") == false)
    }

    @Test func unknownPrecisionIsAUsageError() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(2, in: folder), store = folder.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(evalArguments(data: data, store: store, extra: ["--precision", "fp16"]))
        #expect(result.status == 64 && result.stderr.contains("--precision must be f32, bf16, int8 or auto"))
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func killedEvaluationResumesWithEveryExampleExactlyOnce() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(160, in: folder)
        let killedStore = folder.appendingPathComponent("killed.db").path
        let cleanStore = folder.appendingPathComponent("clean.db").path

        // Start an eval, wait until some (not all) predictions are committed, then SIGKILL it.
        let child = Process()
        child.executableURL = TollgateBinary.url
        child.arguments = evalArguments(data: data, store: killedStore, extra: ["--batch-size", "2"])
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        var stoppedPartWay = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && child.isRunning {
            if FileManager.default.fileExists(atPath: killedStore),
               let count = try? DatabaseQueue(path: killedStore).read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM prediction") }),
               count >= 6 {
                kill(child.processIdentifier, SIGKILL)
                stoppedPartWay = count < 160
                break
            }
            usleep(5_000)
        }
        child.waitUntilExit()
        #expect(stoppedPartWay, "the child finished before it could be killed; make the set larger")

        let resumed = try TollgateBinary.run(evalArguments(data: data, store: killedStore))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let clean = try TollgateBinary.run(evalArguments(data: data, store: cleanStore))
        #expect(clean.status == 0)

        let after = try stored(killedStore, evaluation: 1)
        let reference = try stored(cleanStore, evaluation: 1)
        #expect(after.indices == Array(0..<160), "every example exactly once")
        #expect(after.outputs == reference.outputs)
        #expect(after.metrics == reference.metrics)
    }

    @Test func twoEvaluationsWriteOneStoreAtTheSameTime() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(40, in: folder), store = folder.appendingPathComponent("t.db").path
        let extras = [["--max-tokens", "12"], ["--max-tokens", "10"]]
        var statuses: [Int32] = [0, 0]
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: extras.count) { slot in
            let result = try? TollgateBinary.run(evalArguments(data: data, store: store) + extras[slot])
            lock.withLock { statuses[slot] = result?.status ?? -1 }
        }
        #expect(statuses == [0, 0])
        let counts = try DatabaseQueue(path: store).read {
            try Int.fetchAll($0, sql: "SELECT COUNT(*) FROM prediction GROUP BY evaluation_id ORDER BY evaluation_id")
        }
        #expect(counts == [40, 40])
    }

    @Test func malformedLineIsExitTwoNamingFileAndLineAndWritesNothing() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("bad.jsonl")
        try "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\",\n".write(to: data, atomically: true, encoding: .utf8)
        let store = folder.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(evalArguments(data: data.path, store: store))
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.jsonl:2"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func missingDataFileIsExitTwo() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let result = try TollgateBinary.run(evalArguments(data: folder.appendingPathComponent("nope.jsonl").path,
                                                          store: folder.appendingPathComponent("t.db").path))
        #expect(result.status == 2)
        #expect(result.stderr.contains("nope.jsonl"))
    }

    @Test func foreignAndNewerStoresAreExitTwoAndLeftUnchanged() throws {
        let folder = try Fixtures.temporaryFolder("eval"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(3, in: folder)
        let foreign = folder.appendingPathComponent("other.db").path
        try DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE notes (body TEXT)") }
        let newer = folder.appendingPathComponent("newer.db").path
        _ = try TollgateStore(path: newer)
        try DatabaseQueue(path: newer).write {
            try $0.execute(sql: "INSERT INTO schema_migration (identifier) VALUES ('v9-from-the-future')")
        }
        for (path, phrase) in [(foreign, "not a Tollgate store"), (newer, "v9-from-the-future")] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let result = try TollgateBinary.run(evalArguments(data: data, store: path))
            #expect(result.status == 2)
            #expect(result.stderr.contains(phrase), "\(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }
}
