import Foundation
import GRDB

/// Where an evaluation stands when a process starts (or resumes) it.
public struct EvaluationStart: Sendable, Equatable {
    public var evaluationID: Int64
    /// Example indices already stored: skip them, they are never generated twice.
    public var existingPredictionIndices: Set<Int>
    /// True when an unfinished evaluation of a dead process was taken over.
    public var resumed: Bool

    public init(evaluationID: Int64, existingPredictionIndices: Set<Int>, resumed: Bool) {
        self.evaluationID = evaluationID
        self.existingPredictionIndices = existingPredictionIndices
        self.resumed = resumed
    }
}

/// Evaluations, their predictions and metrics.
extension TollgateStore {
    /// Takes over the newest unfinished evaluation with the same model, adapter, dataset and
    /// decoding settings whose process is gone (killed, crashed), or starts a new one for `runID`.
    ///
    /// An unfinished evaluation whose process is still alive (on this host) or that ran on another
    /// host is left alone, so two concurrent identical evaluations never write the same rows.
    /// A shard takes over only an unfinished evaluation of the same shard, an unsharded one only an
    /// unsharded one; a new shard's evaluation gets its `evaluation_shard` row in the same transaction.
    public func findOrCreateEvaluation(runID: Int64, modelID: Int64, adapterID: Int64?, datasetID: Int64,
                                       decodingJSON: String, shard: ShardSlot? = nil) throws -> EvaluationStart {
        try write { db in
            let candidates = try EvaluationRecord.fetchAll(db, sql: """
                SELECT * FROM evaluation
                WHERE model_id = ? AND adapter_id IS ? AND dataset_id = ? AND decoding_json = ? AND status = 'running'
                ORDER BY id DESC
                """, arguments: [modelID, adapterID, datasetID, decodingJSON])
            for var candidate in candidates {
                let candidateShards = try Self.shards(db, evaluationID: candidate.id!)
                let sameShard = shard.map { slot in
                    candidateShards.count == 1 && candidateShards[0].shardIndex == slot.index
                        && candidateShards[0].shardCount == slot.count && candidateShards[0].totalExamples == slot.totalExamples
                } ?? candidateShards.isEmpty
                guard sameShard else { continue }
                guard let owner = try RunRecord.fetchOne(db, key: candidate.runID) else { continue }
                let ownedByThisRun = owner.id == runID
                if !ownedByThisRun && !Self.isAbandoned(owner) { continue }
                if !ownedByThisRun {
                    var deadRun = owner
                    deadRun.status = .failed
                    try deadRun.update(db)
                    candidate.runID = runID
                    try candidate.update(db)
                    try db.execute(sql: "UPDATE evaluation_shard SET run_id = ? WHERE evaluation_id = ?",
                                   arguments: [runID, candidate.id!])
                }
                let indices = try Int.fetchAll(db, sql: "SELECT example_index FROM prediction WHERE evaluation_id = ?",
                                               arguments: [candidate.id!])
                return EvaluationStart(evaluationID: candidate.id!, existingPredictionIndices: Set(indices),
                                       resumed: !ownedByThisRun)
            }
            var evaluation = EvaluationRecord(runID: runID, modelID: modelID, adapterID: adapterID,
                                              datasetID: datasetID, decodingJSON: decodingJSON)
            try evaluation.insert(db)
            if let shard {
                var row = EvaluationShardRecord(evaluationID: evaluation.id!, runID: runID, shardIndex: shard.index,
                                                shardCount: shard.count, totalExamples: shard.totalExamples,
                                                scoringJSON: shard.scoringJSON)
                try row.insert(db)
            }
            return EvaluationStart(evaluationID: evaluation.id!, existingPredictionIndices: [], resumed: false)
        }
    }

    /// A run is abandoned when it is no longer `running`, or its process on this host has exited.
    static func isAbandoned(_ run: RunRecord) -> Bool {
        if run.status != .running { return true }
        guard run.host == RunRecord.currentHost else { return false }
        if run.processID == ProcessInfo.processInfo.processIdentifier { return false }
        return kill(run.processID, 0) != 0 && errno == ESRCH
    }

    public func finishEvaluation(id: Int64, status: EvaluationRecord.Status, endedAt: Date = Date()) throws {
        try write { db in
            guard var evaluation = try EvaluationRecord.fetchOne(db, key: id) else {
                throw StoreError.missingRow(path: path, table: "evaluation", id: id)
            }
            evaluation.status = status
            evaluation.endedAt = endedAt
            try evaluation.update(db)
        }
    }

    /// Stores a batch of predictions in one transaction: all of them, or (on any error) none.
    public func insertPredictions(_ predictions: [PredictionRecord]) throws {
        try write { db in
            for var prediction in predictions { try prediction.insert(db) }
        }
    }

    /// Stores an evaluation's corpus metrics in one transaction, replacing earlier values of the same metric.
    public func recordMetrics(_ metrics: [MetricResultRecord]) throws {
        try write { db in
            for var metric in metrics { try metric.insert(db, onConflict: .replace) }
        }
    }

    public func evaluation(id: Int64) throws -> EvaluationRecord? {
        try read { db in try EvaluationRecord.fetchOne(db, key: id) }
    }

    public func evaluations(runID: Int64) throws -> [EvaluationRecord] {
        try read { db in try EvaluationRecord.filter(Column("run_id") == runID).order(Column("id")).fetchAll(db) }
    }

    /// Predictions in dataset order.
    public func predictions(evaluationID: Int64) throws -> [PredictionRecord] {
        try read { db in
            try PredictionRecord.filter(Column("evaluation_id") == evaluationID).order(Column("example_index")).fetchAll(db)
        }
    }

    /// The `limit` predictions with the lowest score under `metric` (ties by dataset order).
    public func worstPredictions(evaluationID: Int64, metric: String, limit: Int = 10) throws -> [PredictionRecord] {
        try read { db in
            try PredictionRecord.fetchAll(db, sql: """
                SELECT * FROM prediction
                WHERE evaluation_id = ? AND json_extract(scores_json, '$.' || json_quote(?)) IS NOT NULL
                ORDER BY json_extract(scores_json, '$.' || json_quote(?)) ASC, example_index ASC
                LIMIT ?
                """, arguments: [evaluationID, metric, metric, limit])
        }
    }

    public func metrics(evaluationID: Int64) throws -> [MetricResultRecord] {
        try read { db in
            try MetricResultRecord.filter(Column("evaluation_id") == evaluationID).order(Column("metric")).fetchAll(db)
        }
    }
}
