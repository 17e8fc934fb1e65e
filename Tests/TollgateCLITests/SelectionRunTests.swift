import Foundation
import GRDB
import TestSupport
import Testing

/// `tollgate run` chooses checkpoints on validation data: a split carved from the training data
/// (recorded with its hashes) or `training.valid`; the holdout is generated only for the baseline
/// and the candidate; and a different split is a different training.
@Suite(.serialized) struct SelectionRunTests {
    let model = Fixtures.url("tiny-llama.gguf").path

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-selection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        func write(_ name: String, _ count: Int, offset: Int) throws {
            let lines = (0..<count).map { #"{"id": "e\#($0 + offset)", "prompt": "Where is parcel \#($0 + offset)?", "completion": "\#($0 % 2 == 0 ? "shipping_delay" : "refund")"}"# }
            try (lines.joined(separator: "\n") + "\n").write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("train.jsonl", 20, offset: 0)
        try write("valid.jsonl", 4, offset: 50)
        try write("holdout.jsonl", 6, offset: 100)
        return url
    }

    func experiment(in dir: URL, training extra: String) throws -> String {
        let yaml = """
            name: selection-test
            model: \(model)
            training:
              data: \(dir.path)/train.jsonl
              out: \(dir.path)/adapter
              rank: 2
              steps: 2
              batch_size: 4
              lr: 1.0e-2
              save_every: 1
            \(extra)
            checkpoints: {evaluate: all, choose: best, metric: em}
            eval_sets:
              - name: holdout
                dataset: \(dir.path)/holdout.jsonl
                metrics: [em, macro_f1]
                decoding: {max_tokens: 4}
            gates:
              em: {max_drop: 100, significance: 0.05}
            """
        let path = dir.appendingPathComponent("experiment.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// (dataset split, examples generated rather than reused) per evaluation, in order.
    func evaluations(_ store: String) throws -> [(String, Int)] {
        try DatabaseQueue(path: store).read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.split, (SELECT count(*) FROM prediction p WHERE p.evaluation_id = e.id AND NOT p.from_cache)
                FROM evaluation e JOIN dataset d ON d.id = e.dataset_id ORDER BY e.id
                """).map { ($0[0], $0[1]) }
        }
    }

    @Test func aCarvedSplitChoosesTheCheckpointAndTheHoldoutIsGeneratedTwice() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, training: "  selection: {fraction: 0.2, seed: 3}")
        let store = dir.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try evaluations(store)
        #expect(rows.map(\.0) == ["holdout", "valid", "valid", "holdout"])
        #expect(rows.filter { $0.0 == "holdout" }.map(\.1) == [6, 6])
        let split = try DatabaseQueue(path: store).read { db in
            try Row.fetchOne(db, sql: "SELECT origin, valid_count, train_count, stratified, valid_sha256, valid_path FROM selection_split")
        }
        let row = try #require(split)
        let origin: String = row[0], validCount: Int = row[1], trainCount: Int = row[2], stratified: Bool = row[3]
        #expect(origin == "carved")
        #expect(validCount == 4 && trainCount == 16 && stratified)
        let validPath: String = row[5]
        #expect(validPath == dir.appendingPathComponent("selection/valid.jsonl").path)
        // The carved lines are not trained on: the training file is the other 16.
        let trained = try String(contentsOf: dir.appendingPathComponent("selection/train.jsonl"), encoding: .utf8)
        let valid = try String(contentsOf: URL(fileURLWithPath: validPath), encoding: .utf8)
        for line in valid.split(separator: "\n") { #expect(!trained.contains(line)) }

        // The same split reuses the finished training; another split trains again.
        let again = try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path])
        #expect(again.stdout.contains("an identical finished training"), "\(again.stdout)")
        let other = try experiment(in: dir, training: "  selection: {fraction: 0.2, seed: 4}")
        let third = try TollgateBinary.run(["run", other, "--store", store, "--reports", dir.path])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(!third.stdout.contains("an identical finished training"), "\(third.stdout)")
    }

    @Test func aGivenValidationFileIsUsedAsItIsAndNothingIsCarved() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, training: "  valid: \(dir.path)/valid.jsonl")
        let store = dir.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try evaluations(store).map(\.0) == ["holdout", "valid", "valid", "holdout"])
        let origin = try DatabaseQueue(path: store).read { db in try String.fetchOne(db, sql: "SELECT origin FROM selection_split") }
        #expect(origin == "given")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("selection").path))
        let report = try String(contentsOf: dir.appendingPathComponent("selection-test-run1.md"), encoding: .utf8)
        #expect(report.contains("examples of training.valid"))
    }
}
