import Foundation
import TestSupport
import Testing

/// `tollgate run`, `gate` and `report` on the tiny fixture model: exit codes 0 (GO), 1 (NO-GO)
/// and 2 (bad experiment file), and reports that re-render from the store.
@Suite(.serialized) struct RunGateReportTests {
    let model = Fixtures.url("tiny-llama.gguf").path

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Train and holdout sets plus an experiment whose gate is `gates` (YAML lines).
    func experiment(in dir: URL, gates: String, training: Bool = true) throws -> String {
        func write(_ name: String, _ count: Int, offset: Int) throws {
            let lines = (0..<count).map { #"{"id": "e\#($0 + offset)", "prompt": "Where is my parcel number \#($0 + offset)?", "completion": "shipping_delay"}"# }
            try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("train.jsonl", 16, offset: 0)
        try write("holdout.jsonl", 8, offset: 100)
        let trainingBlock = training ? """
            training:
              data: \(dir.path)/train.jsonl
              out: \(dir.path)/adapter
              rank: 4
              steps: 2
              batch_size: 4
              lr: 1.0e-2
              save_every: 1
            checkpoints: {evaluate: all, choose: last}
            """ : ""
        let yaml = """
            name: cli-test
            model: \(model)
            \(trainingBlock)
            eval_sets:
              - name: holdout
                dataset: \(dir.path)/holdout.jsonl
                metrics: [em, chrf]
                decoding: {max_tokens: 4}
            baseline: base
            gates:
            \(gates)
            """
        let path = dir.appendingPathComponent("experiment.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runIsExitZeroOnGoAndWritesThreeReports() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, gates: "  chrf: {max_drop: 100}")
        let store = dir.appendingPathComponent("t.db").path, reports = dir.appendingPathComponent("Reports").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("GO: "))
        for ext in ["md", "json", "xml"] {
            #expect(FileManager.default.fileExists(atPath: "\(reports)/cli-test-run1.\(ext)"))
        }
        let markdown = try String(contentsOfFile: "\(reports)/cli-test-run1.md", encoding: .utf8)
        #expect(markdown.contains("**GO**"))
        #expect(markdown.contains("Checkpoint choice"))
        #expect(markdown.contains("validation examples carved from"))

        // The same report renders again from the store, in each format.
        let junit = try TollgateBinary.run(["report", "1", "--store", store, "--format", "junit"])
        #expect(junit.status == 0)
        #expect(junit.stdout.contains("<testsuites"))
        let again = try TollgateBinary.run(["report", "--store", store])
        #expect(again.stdout.trimmingCharacters(in: .newlines) == markdown.trimmingCharacters(in: .newlines))
    }

    @Test func runIsExitOneOnNoGoWithTheFailingRuleInTheReport() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, gates: "  em: {floor: 99}", training: false)
        let store = dir.appendingPathComponent("t.db").path, reports = dir.appendingPathComponent("Reports").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("NO-GO"))
        let junit = try String(contentsOfFile: "\(reports)/cli-test-run1.xml", encoding: .utf8)
        #expect(junit.contains("<failure"))
        #expect(junit.contains("floor"))
    }

    @Test func aTypoInTheExperimentFileIsExitTwoNamingFileLineAndKey() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, gates: "  chrf: {max_dorp: 1}", training: false)
        let store = dir.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("max_dorp"))
        #expect(result.stderr.contains("experiment.yaml:"))
        #expect(result.stderr.contains("did you mean 'max_drop'"))
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func gateOnTwoStoredEvaluationsIsZeroOrOne() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, gates: "  chrf: {max_drop: 100}")
        let store = dir.appendingPathComponent("t.db").path
        #expect(try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path]).status == 0)
        // Evaluation 1 is the base model's, the last one the candidate's.
        let pass = try TollgateBinary.run(["gate", "--store", store, "--baseline", "1", "--candidate", "1",
                                           "--metric", "chrf", "--max-drop", "0"])
        #expect(pass.status == 0, "\(pass.stderr)")
        #expect(pass.stdout.hasPrefix("GO"))
        let fail = try TollgateBinary.run(["gate", "--store", store, "--baseline", "1", "--candidate", "1",
                                           "--metric", "chrf", "--floor", "101"])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("FAIL"))
        let missing = try TollgateBinary.run(["gate", "--store", store, "--baseline", "1", "--candidate", "99",
                                              "--metric", "chrf", "--floor", "1"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("99"))
    }

    @Test func compareSetsStoredEvaluationsSideBySideWithTheFirstAsBaseline() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, gates: "  chrf: {max_drop: 100}")
        let store = dir.appendingPathComponent("t.db").path
        #expect(try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.path]).status == 0)
        // Evaluations 2 and 3 score the checkpoints on the carved validation split; 4 is the candidate on the holdout.
        let result = try TollgateBinary.run(["compare", "1", "4", "--store", store, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((object?["systems"] as? [String])?.count == 2)
        #expect((object?["metrics"] as? [Any])?.count == 2)
        let markdown = try TollgateBinary.run(["compare", "1", "4", "--store", store])
        #expect(markdown.stdout.contains("| metric |"))
        let one = try TollgateBinary.run(["compare", "1", "--store", store])
        #expect(one.status == 64)
        let missing = try TollgateBinary.run(["compare", "1", "77", "--store", store])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("evaluation 77 is not in"))
    }
}
