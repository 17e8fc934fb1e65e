import Foundation
import GRDB
import Store
import Testing

/// `pruneText` (v4): what it removes, what it keeps, what it leaves alone, and the audit's reader.
struct StoreRetentionTests {
    /// A finished evaluation with three predictions, a report and a cached generation.
    func seed(_ store: TollgateStore, status: EvaluationRecord.Status = .completed) throws -> Int64 {
        let ids = try seedProvenance(store)
        let start = try store.findOrCreateEvaluation(runID: ids.run, modelID: ids.model, adapterID: nil,
                                                     datasetID: ids.dataset, decodingJSON: #"{"max_tokens":32}"#)
        try store.insertPredictions((0..<3).map { samplePrediction(evaluationID: start.evaluationID, index: $0) })
        try store.recordMetrics([MetricResultRecord(evaluationID: start.evaluationID, metric: "em", value: 0.5, signature: "em")])
        try store.finishEvaluation(id: start.evaluationID, status: status)
        try store.saveReport(runID: ids.run, bodyJSON: #"{"quote":"Question 1?"}"#)
        try store.storeGenerations([GenerationCacheRecord(key: "k1", output: "Answer 1", outputIDs: [1], promptTokens: 3,
                                                          completionTokens: 1, seconds: 0.1)])
        return start.evaluationID
    }

    @Test func pruneBlanksTextKeepsScoresAndHashesAndRewritesReports() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let evaluation = try seed(store)
        let summary = try store.pruneText(before: Date().addingTimeInterval(1), prunedAt: fixedDate,
                                          sha256: { "sha(\($0))" }, pruneReport: { _ in #"{"quote":"(text pruned)"}"# })
        #expect(summary.predictions == 3 && summary.reports == 1 && summary.cachedGenerations == 1)
        let pruned = try store.predictions(evaluationID: evaluation)
        #expect(pruned.map(\.prompt) == ["", "", ""] && pruned.map(\.output) == ["", "", ""])
        #expect(pruned.allSatisfy { $0.references.isEmpty && $0.textPrunedAt == fixedDate })
        #expect(pruned.map(\.promptSHA256) == ["sha(Question 0?)", "sha(Question 1?)", "sha(Question 2?)"])
        #expect(pruned.map(\.outputSHA256) == ["sha(Answer 0)", "sha(Answer 1)", "sha(Answer 2)"])
        #expect(pruned.map(\.scores) == (0..<3).map { samplePrediction(evaluationID: evaluation, index: $0).scores })
        #expect(pruned.map(\.promptTokens) == [12, 12, 12] && pruned.map(\.latencySeconds) == [0.25, 0.25, 0.25])
        #expect(try store.metrics(evaluationID: evaluation).map(\.value) == [0.5])
        #expect(try store.report(runID: 1)?.bodyJSON == #"{"quote":"(text pruned)"}"#)
        #expect(try store.cachedGeneration(key: "k1") == nil)

        // A second prune finds nothing more to do.
        let again = try store.pruneText(before: Date().addingTimeInterval(1), sha256: { $0 }, pruneReport: { $0 })
        #expect(again.predictions == 0 && again.reports == 0 && again.cachedGenerations == 0)
        var texts: [StoredText] = []
        try store.forEachStoredText { texts.append($0) }
        #expect(texts.map(\.table) == ["report"], "pruned predictions and deleted cache rows are not read again")
    }

    @Test func pruneLeavesNewerRunningAndOtherExperimentsTextAlone() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let running = try seed(store, status: .running)
        let old = try store.pruneText(before: Date().addingTimeInterval(-86_400), sha256: { $0 }, pruneReport: { $0 })
        #expect(old.predictions == 0 && old.reports == 0 && old.cachedGenerations == 0)
        let scoped = try store.pruneText(before: Date().addingTimeInterval(1), experiment: "other", sha256: { $0 }, pruneReport: { $0 })
        #expect(scoped.predictions == 0 && scoped.reports == 0)
        #expect(try store.predictions(evaluationID: running).allSatisfy { !$0.prompt.isEmpty && $0.textPrunedAt == nil })
    }

    @Test func anExperimentsRetentionPrunesOnlyItsOwnRuns() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        let ids = try seedProvenance(store)
        let nightly = try store.beginRun(sampleRun(kind: "run", experiment: "nightly"))
        var evaluations: [Int64] = []
        for run in [ids.run, nightly] {
            let start = try store.findOrCreateEvaluation(runID: run, modelID: ids.model, adapterID: nil, datasetID: ids.dataset,
                                                         decodingJSON: "{\"run\":\(run)}")
            try store.insertPredictions((0..<2).map { samplePrediction(evaluationID: start.evaluationID, index: $0) })
            try store.finishEvaluation(id: start.evaluationID, status: .completed)
            try store.saveReport(runID: run, bodyJSON: "{}")
            evaluations.append(start.evaluationID)
        }
        let summary = try store.pruneText(before: Date().addingTimeInterval(1), experiment: "nightly", sha256: { $0 },
                                          pruneReport: { _ in #"{"pruned":true}"# })
        #expect(summary.predictions == 2 && summary.reports == 1)
        #expect(try store.predictions(evaluationID: evaluations[0]).allSatisfy { $0.textPrunedAt == nil && !$0.output.isEmpty })
        #expect(try store.predictions(evaluationID: evaluations[1]).allSatisfy { $0.textPrunedAt != nil && $0.output.isEmpty })
        #expect(try store.report(runID: ids.run)?.bodyJSON == "{}")
        #expect(try store.report(runID: nightly)?.bodyJSON == #"{"pruned":true}"#)
    }

    @Test func storedTextsNameTheirTableColumnAndRow() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let store = try TollgateStore(path: folder.path("tollgate.db"))
        _ = try seed(store)
        var texts: [StoredText] = []
        try store.forEachStoredText { texts.append($0) }
        #expect(texts.count == 3 * 3 + 1 + 1)
        #expect(texts[0] == StoredText(table: "prediction", column: "prompt", row: "evaluation 1 example ex-0", text: "Question 0?"))
        #expect(texts[2] == StoredText(table: "prediction", column: "references_json", row: "evaluation 1 example ex-0",
                                       text: #"["Answer 0","A0"]"#))
        #expect(texts[9] == StoredText(table: "generation_cache", column: "output", row: "cache k1", text: "Answer 1"))
        #expect(texts[10] == StoredText(table: "report", column: "body_json", row: "run 1", text: #"{"quote":"Question 1?"}"#))
    }
}
