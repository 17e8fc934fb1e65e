import Foundation
import Harness
import Metrics
import Store
import Testing

/// `EvaluationMerge` on synthetic shards of 10,000 predictions: the merged metrics are the
/// evaluator's scoring of all predictions together, and the time it takes is printed.
@Suite struct EvaluationMergeScaleTests {
    static let labels = ["billing_refund", "account_access", "shipping_delay", "technical_issue"]
    let scoring = ScoringSettings(metrics: [.exactMatch, .chrf], normalize: .strip, bootstrapResamples: 1000,
                                  cpuHourPrice: 0.05, isEndpoint: false)

    /// One shard's store: every example whose index ≡ shard (mod count), answered deterministically.
    func writeShard(_ shard: Int, of count: Int, total: Int, folder: URL) throws -> String {
        let path = folder.appendingPathComponent("shard-\(shard).db").path
        let store = try TollgateStore(path: path)
        let runID = try store.beginRun(RunRecord(kind: "eval", commandLine: "tollgate eval --shard \(shard)/\(count)",
                                                 toolVersion: "test", threads: 1))
        let modelID = try store.upsertModel(ModelRecord(path: "m.gguf", sha256: String(repeating: "a", count: 64),
                                                        architecture: "llama", quantization: "Q4_1", parameterCount: 1))
        let datasetID = try store.upsertDataset(DatasetRecord(name: "synthetic", split: "holdout", path: "h.jsonl",
                                                              sha256: String(repeating: "b", count: 64), exampleCount: total))
        let start = try store.findOrCreateEvaluation(
            runID: runID, modelID: modelID, adapterID: nil, datasetID: datasetID, decodingJSON: #"{"temperature":0}"#,
            shard: ShardSlot(index: shard, count: count, totalExamples: total, scoringJSON: scoring.canonicalJSON))
        let rows = stride(from: shard, to: total, by: count).map { index in
            let (output, reference) = Self.answer(index)
            return PredictionRecord(evaluationID: start.evaluationID, exampleIndex: index, exampleID: "ex\(index)",
                                    prompt: "message \(index)", output: output, references: [reference],
                                    scores: [:], latencySeconds: 0.01, promptTokens: 20, completionTokens: 4)
        }
        try store.insertPredictions(rows)
        try store.finishEvaluation(id: start.evaluationID, status: .completed)
        return path
    }

    static func answer(_ index: Int) -> (output: String, reference: String) {
        (labels[(index * 7) % 4], labels[index % 4])
    }

    @Test func tenThousandPredictionsFromFourShardsMergeIntoOneEvaluationScoredAsAWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let total = 10_000
        let shards = try (0..<4).map { try writeShard($0, of: 4, total: total, folder: folder) }
        let destination = folder.appendingPathComponent("merged.db").path

        let started = Date()
        let report = try EvaluationMerge.merge(into: destination, stores: shards)
        let seconds = Date().timeIntervalSince(started)
        print("merge of \(total) predictions from 4 shards: \(String(format: "%.2f", seconds)) s")

        #expect(report.isComplete)
        let joined = try #require(report.joined.first)
        #expect(report.joined.count == 1 && joined.predictions == total)
        let store = try TollgateStore(path: destination)
        let stored = try store.predictions(evaluationID: joined.evaluationID)
        #expect(stored.map(\.exampleIndex) == Array(0..<total))
        let expected = try PredictionScoring.corpusScore(
            kind: .exactMatch, normalize: .strip, outputs: (0..<total).map { Self.answer($0).output },
            references: (0..<total).map { [Self.answer($0).reference] }, resamples: 1000)
        let em = try #require(try store.metrics(evaluationID: joined.evaluationID).first { $0.metric == "em" })
        #expect(em.value == expected.score && em.ciLow == expected.ci?.low && em.ciHigh == expected.ci?.high)

        let incomplete = try EvaluationMerge.merge(into: folder.appendingPathComponent("partial.db").path,
                                                   stores: Array(shards.prefix(3)))
        #expect(!incomplete.isComplete)
        #expect(incomplete.joined.first?.gaps.missingShards == [3])
        #expect(incomplete.joined.first?.gaps.missingExamples.count == total / 4)
    }
}
