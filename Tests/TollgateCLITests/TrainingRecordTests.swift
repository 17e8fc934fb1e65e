import Foundation
import GRDB
import TestSupport
import Testing

/// `tollgate train --store` and `tollgate run` keep a training the same way: one row per optimizer
/// step with its learning rate and tokens/s, and one checkpoint row per adapter written.
@Suite(.serialized) struct TrainingRecordTests {
    let model = Fixtures.url("tiny-llama.gguf").path

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let lines = (0..<8).map { #"{"prompt": "Where is parcel \#($0)?", "completion": "shipping_delay"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: url.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        return url
    }

    /// (step, learning rate, tokens/s) per step row and (step, adapter folder name) per checkpoint row of `run`.
    func records(_ store: String, run: Int64) throws -> (steps: [(Int, Double, Double)], checkpoints: [(Int, String)]) {
        try DatabaseQueue(path: store).read { db in
            let steps = try Row.fetchAll(db, sql: "SELECT step, learning_rate, tokens_per_second FROM training_step WHERE run_id = ? ORDER BY step",
                                         arguments: [run]).map { row -> (Int, Double, Double) in (row[0], row[1], row[2]) }
            let checkpoints = try Row.fetchAll(db, sql: "SELECT step, adapter_path FROM checkpoint WHERE run_id = ? ORDER BY step, id",
                                               arguments: [run]).map { row -> (Int, String) in
                    let path: String = row[1]
                    return (row[0], URL(fileURLWithPath: path).lastPathComponent)
                }
            return (steps, checkpoints)
        }
    }

    @Test func trainRecordsEveryStepAndEveryCheckpoint() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["train", "--model", model, "--data", dir.appendingPathComponent("train.jsonl").path,
                                             "--out", dir.appendingPathComponent("adapter").path, "--rank", "2", "--steps", "3",
                                             "--batch-size", "4", "--lr", "0.01", "--save-every", "2", "--store", store])
        #expect(result.status == 0, "\(result.stderr)")
        let recorded = try records(store, run: 1)
        #expect(recorded.steps.map(\.0) == [1, 2, 3])
        #expect(recorded.steps.allSatisfy { $0.1 > 0 && $0.2 > 0 })
        #expect(recorded.checkpoints.map(\.0) == [2, 3, 3])
        #expect(recorded.checkpoints.map(\.1) == ["step-000002", "step-000003", "adapter"])
    }

    @Test func aReusedTrainingIsRecordedInTheNewRunAsItWasTrained() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            name: record-test
            model: \(model)
            training: {data: \(dir.path)/train.jsonl, out: \(dir.path)/adapter, rank: 2, steps: 2, batch_size: 4, lr: 1.0e-2, save_every: 1}
            eval_sets:
              - {name: holdout, dataset: \(dir.path)/train.jsonl, metrics: [em], decoding: {max_tokens: 2}}
            baseline: base
            gates:
              em: {max_drop: 100}
            """
        let path = dir.appendingPathComponent("experiment.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("t.db").path, reports = dir.appendingPathComponent("Reports").path
        for _ in 0..<2 {
            let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let trained = try records(store, run: 1), reused = try records(store, run: 2)
        #expect(trained.steps.map(\.0) == [1, 2])
        #expect(trained.steps.allSatisfy { $0.1 > 0 })
        #expect(reused.steps.map(\.0) == trained.steps.map(\.0))
        #expect(reused.steps.map(\.1) == trained.steps.map(\.1))
        #expect(trained.checkpoints.map(\.1) == ["step-000001", "step-000002", "adapter"])
        #expect(reused.checkpoints.map(\.1) == trained.checkpoints.map(\.1))
    }
}
