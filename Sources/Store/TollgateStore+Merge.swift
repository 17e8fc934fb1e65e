import Foundation
import GRDB

/// What one merge wrote into the destination store.
public struct StoreMergeResult: Sendable, Equatable {
    /// Destination ids of the sharded evaluations the merge joined (and scored again).
    public var shardedEvaluations: [Int64] = []
    /// Destination ids of unsharded evaluations copied or found already present.
    public var copiedEvaluations: [Int64] = []
    /// Rows inserted or changed, all tables together; 0 when the stores had been merged before.
    public var rowsWritten = 0
}

/// Why a merge wrote nothing. One line each, naming the store, example or shard and the fix.
public enum StoreMergeError: LocalizedError, Equatable, Sendable {
    case disagreement(store: String, evaluationID: Int64, exampleIndex: Int, exampleID: String?, shard: String,
                      earlier: String, later: String)
    case scoringMismatch(store: String, shard: String)
    /// Scoring the joined predictions failed (the metric's own one-line message).
    case scoring(store: String, evaluationID: Int64, message: String)

    public var errorDescription: String? {
        switch self {
        case let .disagreement(store, evaluationID, index, id, shard, earlier, later):
            let name = id.map { "example \(index) (id \($0))" } ?? "example \(index)"
            return "\(store): \(name) of merged evaluation \(evaluationID) (shard \(shard)) was answered \(quoted(later)), "
                + "but an earlier store answered \(quoted(earlier)) with greedy decoding; the stores come from different "
                + "models, builds or data — rerun shard \(shard) with the same tollgate and inputs, nothing was merged"
        case let .scoringMismatch(store, shard):
            return "\(store): shard \(shard) was scored with other metrics or settings than the shards merged before it; "
                + "evaluate it again with the same --metrics, --normalize and --cpu-hour-price, nothing was merged"
        case let .scoring(store, evaluationID, message):
            return "\(store): merged evaluation \(evaluationID) could not be scored (\(message)); nothing was merged"
        }
    }

    private func quoted(_ text: String) -> String {
        let short = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return "\"" + short.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

extension TollgateStore {
    /// Scores a sharded evaluation's predictions (dataset order) given its scoring JSON and the
    /// number of requests that failed; called inside the merge's transaction.
    public typealias Rescore = (_ scoringJSON: String, _ predictions: [PredictionRecord], _ failureCount: Int) throws
        -> [MetricResultRecord]

    /// Copies runs, evaluations, predictions, request failures, metrics, provenance rows and the
    /// generation cache of `sources` into this store in one transaction. Shards of one evaluation
    /// (same model, adapter, dataset, decoding, shard count and size) become one evaluation whose
    /// metrics `rescore` computes over all its predictions. Rows already present are left as they
    /// are, so merging the same stores again writes nothing.
    public func merge(from sources: [TollgateStore], rescore: Rescore) throws -> StoreMergeResult {
        let snapshots = try sources.filter { $0.path != path }.map { try StoreSnapshot(store: $0) }
        return try write { db in
            var merger = MergeWriter(db: db, destinationPath: path)
            for snapshot in snapshots { try merger.copy(snapshot) }
            try merger.rescoreSharded(rescore)
            return merger.result
        }
    }
}

/// Every row a merge copies from one source store, read before the destination's transaction.
struct StoreSnapshot {
    var path: String
    var models: [Int64: ModelRecord]
    var adapters: [Int64: AdapterRecord]
    var datasets: [Int64: DatasetRecord]
    var runs: [Int64: RunRecord]
    var evaluations: [EvaluationRecord]
    var predictions: [Int64: [PredictionRecord]]
    var failures: [Int64: [RequestFailureRecord]]
    var metrics: [Int64: [MetricResultRecord]]
    var shards: [Int64: [EvaluationShardRecord]]
    var cache: [GenerationCacheRecord]

    init(store: TollgateStore) throws {
        path = store.path
        (models, adapters, datasets, runs, evaluations, predictions, failures, metrics, shards, cache) = try store.read { db in
            func byID<R: FetchableRecord & TableRecord>(_ type: R.Type, _ id: KeyPath<R, Int64?>) throws -> [Int64: R] {
                Dictionary(try R.fetchAll(db).map { ($0[keyPath: id]!, $0) }) { first, _ in first }
            }
            func byEvaluation<R: FetchableRecord & TableRecord>(_ type: R.Type, _ key: KeyPath<R, Int64>) throws -> [Int64: [R]] {
                Dictionary(grouping: try R.order(Column("id")).fetchAll(db), by: { $0[keyPath: key] })
            }
            return (try byID(ModelRecord.self, \.id), try byID(AdapterRecord.self, \.id), try byID(DatasetRecord.self, \.id),
                    try byID(RunRecord.self, \.id), try EvaluationRecord.order(Column("id")).fetchAll(db),
                    try byEvaluation(PredictionRecord.self, \.evaluationID),
                    try byEvaluation(RequestFailureRecord.self, \.evaluationID),
                    try byEvaluation(MetricResultRecord.self, \.evaluationID),
                    try byEvaluation(EvaluationShardRecord.self, \.evaluationID),
                    try GenerationCacheRecord.order(Column("id")).fetchAll(db))
        }
    }
}
