import Foundation
import GRDB

/// An evaluation with what it evaluated, for `tollgate history` and reports.
public struct EvaluationOverview: Sendable, Equatable {
    public var evaluation: EvaluationRecord
    public var model: ModelRecord
    public var adapter: AdapterRecord?
    public var dataset: DatasetRecord
    /// Predictions stored so far (the dataset's example count once it completed, unless `--limit`).
    public var predictionCount: Int
}

extension TollgateStore {
    /// The newest evaluations first, optionally only one run's.
    public func evaluationOverviews(runID: Int64? = nil, limit: Int = 50) throws -> [EvaluationOverview] {
        try read { db in
            var request = EvaluationRecord.order(Column("id").desc).limit(limit)
            if let runID { request = request.filter(Column("run_id") == runID) }
            return try request.fetchAll(db).map { evaluation in
                let id = evaluation.id!
                guard let model = try ModelRecord.fetchOne(db, key: evaluation.modelID),
                      let dataset = try DatasetRecord.fetchOne(db, key: evaluation.datasetID) else {
                    throw StoreError.missingRow(path: path, table: "model or dataset of evaluation", id: id)
                }
                let adapter = try evaluation.adapterID.flatMap { try AdapterRecord.fetchOne(db, key: $0) }
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction WHERE evaluation_id = ?",
                                             arguments: [id]) ?? 0
                return EvaluationOverview(evaluation: evaluation, model: model, adapter: adapter, dataset: dataset,
                                          predictionCount: count)
            }
        }
    }
}
