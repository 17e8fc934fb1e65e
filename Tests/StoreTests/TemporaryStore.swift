import Foundation
import Store

/// A fresh folder per test; the store file inside it does not exist until opened.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Dates with whole milliseconds, which is what SQLite's text dates keep.
let fixedDate = Date(timeIntervalSince1970: 1_790_000_000.125)

/// A pid that cannot belong to a live process (above Linux's pid_max).
let deadProcessID: Int32 = 2_000_000_000

func sampleRun(kind: String = "eval", experiment: String? = nil, processID: Int32 = ProcessInfo.processInfo.processIdentifier) -> RunRecord {
    RunRecord(experiment: experiment, kind: kind, commandLine: "tollgate \(kind) --data holdout.jsonl",
              configJSON: #"{"batch_size":4}"#, toolVersion: "0.1.0", gitCommit: "abc123",
              host: RunRecord.currentHost, processID: processID, threads: 2, startedAt: fixedDate)
}

/// A run, model and dataset, returning their ids.
func seedProvenance(_ store: TollgateStore, processID: Int32 = ProcessInfo.processInfo.processIdentifier) throws
    -> (run: Int64, model: Int64, dataset: Int64) {
    let run = try store.beginRun(sampleRun(processID: processID))
    let model = try store.upsertModel(ModelRecord(path: "models/m.gguf", sha256: String(repeating: "a", count: 64),
                                                  architecture: "llama", quantization: "Q4_1",
                                                  parameterCount: 134_515_008, createdAt: fixedDate))
    let dataset = try store.upsertDataset(DatasetRecord(name: "support", split: "holdout", path: "holdout.jsonl",
                                                        sha256: String(repeating: "d", count: 64), exampleCount: 3,
                                                        createdAt: fixedDate))
    return (run, model, dataset)
}

func samplePrediction(evaluationID: Int64, index: Int) -> PredictionRecord {
    PredictionRecord(evaluationID: evaluationID, exampleIndex: index, exampleID: "ex-\(index)",
                     prompt: "Question \(index)?", output: "Answer \(index)", references: ["Answer \(index)", "A\(index)"],
                     scores: ["em": Double(index % 2), "chrf": 40.5 + Double(index)], latencySeconds: 0.25,
                     promptTokens: 12, completionTokens: 5)
}
