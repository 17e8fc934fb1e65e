import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// Redaction, audit and retention end to end on the tiny fixture model and the seeded privacy
/// corpus: what the store and reports hold after a redacted run, what `audit` finds, and what
/// `prune` leaves.
@Suite(.serialized) struct DataGovernanceTests {
    let model = Fixtures.url("tiny-llama.gguf").path
    let adapter = Fixtures.url("tiny-llama-lora").path

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-privacy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An experiment scoring the model (baseline) and the fixture adapter (candidate) on `dataset`.
    /// chrF first: it ranks the changed examples the reports quote (exact match never changes here).
    func experiment(in dir: URL, dataset: String, extra: String = "") throws -> String {
        let yaml = """
            name: privacy-test
            model: \(model)
            adapter: \(adapter)
            eval_sets:
              - name: support
                dataset: \(dataset)
                metrics: [chrf, em]
                decoding: {max_tokens: 4}
            gates:
              chrf: {max_drop: 100}
            \(extra)
            """
        let path = dir.appendingPathComponent("experiment.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func auditCounts(_ json: String) throws -> [(kind: String, table: String, column: String, count: Int)] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return (object["counts"] as! [[String: Any]]).map {
            ($0["kind"] as! String, $0["table"] as! String, $0["column"] as! String, $0["count"] as! Int)
        }
    }

    @Test func auditFindsEveryPlantedItemUnredactedAndARedactedRunStoresAndReportsNone() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let messages = try PrivacyCorpus.messages()

        // Unredacted: audit exit 1, at least every planted occurrence per kind in the stored prompts.
        let plain = dir.appendingPathComponent("plain.db").path
        let eval = try TollgateBinary.run(["eval", "--model", model, "--data", PrivacyCorpus.path, "--store", plain,
                                           "--max-tokens", "4", "--metrics", "em,chrf"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let found = try TollgateBinary.run(["audit", "--store", plain, "--json"])
        #expect(found.status == 1, "\(found.stderr)")
        var plantedByKind: [String: Int] = [:]
        for message in messages {
            for item in message.planted { plantedByKind[item.kind, default: 0] += message.prompt.components(separatedBy: item.text).count - 1 }
        }
        let promptCounts = try auditCounts(found.stdout).filter { $0.table == "prediction" && $0.column == "prompt" }
        let lookalikes = messages.reduce(0) { $0 + $1.lookalikeCount }
        for (kind, planted) in plantedByKind {
            let audited = promptCounts.first { $0.kind == kind }?.count ?? 0
            #expect(audited >= planted, "\(kind): audit found \(audited) of \(planted) planted")
        }
        let extra = promptCounts.reduce(0) { $0 + $1.count } - plantedByKind.values.reduce(0, +)
        print("audit of the unredacted store: \(promptCounts.map { "\($0.kind) \($0.count)" }) in prompts; "
              + "\(extra) beyond the \(plantedByKind.values.reduce(0, +)) planted (\(lookalikes) look-alikes)")
        #expect(Double(extra) <= 0.01 * Double(lookalikes))
        #expect(try auditCounts(found.stdout).contains { $0.column == "references_json" })
        let table = try TollgateBinary.run(["audit", "--store", plain])
        #expect(table.status == 1 && table.stdout.contains("card             prediction.prompt"))

        // Redacted run: no planted text in any file written or any stored text; audit exit 0.
        let store = dir.appendingPathComponent("red.db").path, reports = dir.appendingPathComponent("Reports").path
        let path = try experiment(in: dir, dataset: PrivacyCorpus.path, extra: "privacy: {redact: [all]}")
        let run = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        try FileManager.default.removeItem(atPath: plain)
        var plantedTotal = 0, leaked: [String] = []
        let stored = try DatabaseQueue(path: store).read { db in
            try String.fetchAll(db, sql: """
                SELECT prompt || char(10) || output || char(10) || references_json FROM prediction
                UNION ALL SELECT body_json FROM report UNION ALL SELECT output FROM generation_cache
                """).joined(separator: "\n")
        }
        for message in messages {
            for item in message.planted {
                plantedTotal += 1
                let files = try PrivacyCorpus.filesContaining(item.text, under: dir, except: ["experiment.yaml"])
                if !files.isEmpty || stored.contains(item.text) { leaked.append("\(message.id) \(item.kind) in \(files)") }
            }
        }
        print("redacted run: \(plantedTotal - leaked.count)/\(plantedTotal) planted items absent from the store and reports")
        #expect(leaked.isEmpty, "\(leaked.prefix(10))")
        // The check is not vacuous: the store and the reports do quote redacted examples.
        let json = try String(contentsOfFile: "\(reports)/privacy-test-run1.json", encoding: .utf8)
        let quoted = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let changed = ((quoted["report"] as! [String: Any])["regressed_examples"] as! [[String: Any]])
            + ((quoted["report"] as! [String: Any])["improved_examples"] as! [[String: Any]])
        #expect(changed.count > 10 && changed.contains { ($0["prompt"] as! String).contains("_1>") })
        #expect(stored.contains("<EMAIL_1>") && stored.contains("<CARD_1>"))
        let decoding = try DatabaseQueue(path: store).read { db in try String.fetchAll(db, sql: "SELECT decoding_json FROM evaluation") }
        #expect(decoding.allSatisfy { $0.contains(#""redact":["card","email","iban","ip","phone","url_credentials"]"#) })
        let clean = try TollgateBinary.run(["audit", "--store", store])
        #expect(clean.status == 0 && clean.stdout.contains("no personal data found"), "\(clean.stdout)")
    }

    @Test func pruneRemovesAllTextKeepsHistoryTrendsAndDriftAndShrinksTheFile() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let data = try PrivacyCorpus.subset(60, in: dir)
        let messages = Array(try PrivacyCorpus.messages().prefix(60))
        let store = dir.appendingPathComponent("t.db").path, reports = dir.appendingPathComponent("Reports").path
        let path = try experiment(in: dir, dataset: data)
        for _ in 0..<2 {
            let run = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let before = PrivacyCorpus.files(under: dir).filter { $0.lastPathComponent.hasPrefix("t.db") }
            .reduce(0) { $0 + ((try? Data(contentsOf: $1).count) ?? 0) }

        let prune = try TollgateBinary.run(["prune", "--older-than", "0d", "--store", store])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("text of 240 predictions and 2 reports removed"), "\(prune.stdout)")
        let counts = try DatabaseQueue(path: store).read { db in
            (text: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction WHERE prompt != '' OR output != '' OR references_json != '[]'")!,
             unhashed: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction WHERE prompt_sha256 IS NULL OR output_sha256 IS NULL OR text_pruned_at IS NULL")!,
             cache: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM generation_cache")!,
             scored: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction WHERE scores_json LIKE '%chrf%' AND prompt_tokens > 0")!)
        }
        #expect(counts.text == 0 && counts.unhashed == 0 && counts.cache == 0 && counts.scored == 240)
        let storeFiles: Set<String> = ["t.db", "t.db-wal", "t.db-shm"]
        let after = PrivacyCorpus.files(under: dir).filter { storeFiles.contains($0.lastPathComponent) }
            .reduce(0) { $0 + ((try? Data(contentsOf: $1).count) ?? 0) }
        print("prune --older-than 0d: store \(before) → \(after) bytes")
        #expect(after < before)
        for message in messages {
            for needle in message.planted.map(\.text) + [String(message.prompt.prefix(24))] {
                let inStore = try PrivacyCorpus.filesContaining(needle, under: dir).filter { storeFiles.contains($0) }
                #expect(inStore.isEmpty, "\(message.id): '\(needle)' still in \(inStore)")
            }
        }

        // History, reports of pruned runs, and a new run's trend and drift still work.
        let history = try TollgateBinary.run(["history", "--store", store])
        #expect(history.status == 0 && history.stdout.contains("60 examples, completed"), "\(history.stderr)")
        let detail = try TollgateBinary.run(["history", "--store", store, "--evaluation", "2", "--worst", "3"])
        #expect(detail.status == 0 && detail.stdout.contains("(text pruned "), "\(detail.stdout)")
        let report = try TollgateBinary.run(["report", "1", "--store", store, "--format", "json"])
        #expect(report.status == 0 && report.stdout.contains("(text pruned "), "\(report.stderr)")
        let third = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
        #expect(third.status == 0, "\(third.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(reports)/privacy-test-run3.json"))) as! [String: Any]
        let body = json["report"] as! [String: Any]
        #expect(((body["trend"] as? [[String: Any]])?.first?["points"] as? [Any])?.count == 3)
        #expect(((body["drift"] as? [String: Any])?["entries"] as? [Any])?.isEmpty == false)

        // A pruned evaluation cannot be a baseline again: exit 2 naming the fix.
        try (try String(contentsOfFile: path, encoding: .utf8) + "baseline: {pinned: 1}\n").write(toFile: path, atomically: true, encoding: .utf8)
        let pinned = try TollgateBinary.run(["run", path, "--store", store, "--reports", reports])
        #expect(pinned.status == 2 && pinned.stderr.contains("evaluation 1 in \(store) has no outputs to compare (text pruned "), "\(pinned.stderr)")
    }

    @Test func pruneAndAuditRejectBadArgumentsAndMissingStores() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("none.db").path
        let days = try TollgateBinary.run(["prune", "--older-than", "a month", "--store", store])
        #expect(days.status == 64 && days.stderr.contains("--older-than must be a number of days such as 30d"))
        let audit = try TollgateBinary.run(["audit", "--store", store])
        #expect(audit.status == 2 && audit.stderr == "tollgate: there is no store at \(store); pass --store with the path of an existing tollgate.db\n")
        let prune = try TollgateBinary.run(["prune", "--older-than", "30d", "--store", store])
        #expect(prune.status == 2 && prune.stderr.contains("there is no store at \(store)"))
        let redact = try TollgateBinary.run(["eval", "--model", model, "--data", PrivacyCorpus.path, "--store", store, "--redact", "emails"])
        #expect(redact.status == 64 && redact.stderr.contains("'emails' is not a kind of personal data"), "\(redact.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
    }
}
