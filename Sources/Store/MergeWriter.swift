import Foundation
import GRDB

/// Writes one merge inside the destination's transaction: maps each source row to the destination
/// row with the same identity (provenance by hash, runs by host, process and start, evaluations by
/// what they evaluated) and inserts only what is missing.
struct MergeWriter {
    let db: Database
    /// The destination store, for error messages.
    let destinationPath: String
    var result = StoreMergeResult()
    /// Destination sharded evaluations touched, with the latest end time among their shards.
    private var sharded: [Int64: Date?] = [:]

    init(db: Database, destinationPath: String) {
        self.db = db
        self.destinationPath = destinationPath
    }

    mutating func copy(_ source: StoreSnapshot) throws {
        for evaluation in source.evaluations {
            guard let run = source.runs[evaluation.runID], let model = source.models[evaluation.modelID],
                  let dataset = source.datasets[evaluation.datasetID] else { continue }
            let runID = try destinationRun(run)
            let modelID = try destination(model, ModelRecord.filter(Column("sha256") == model.sha256))
            let adapterID = try evaluation.adapterID.flatMap { source.adapters[$0] }.map {
                try destination($0, AdapterRecord.filter(Column("sha256") == $0.sha256))
            }
            let datasetID = try destination(dataset, DatasetRecord.filter(Column("name") == dataset.name
                && Column("split") == dataset.split && Column("sha256") == dataset.sha256))
            var identity = evaluation
            identity.id = nil; identity.runID = runID; identity.modelID = modelID; identity.adapterID = adapterID
            identity.datasetID = datasetID
            let shards = source.shards[evaluation.id!] ?? []
            let predictions = source.predictions[evaluation.id!] ?? []
            let failures = source.failures[evaluation.id!] ?? []
            if let first = shards.first {
                let target = try shardedEvaluation(identity, like: first)
                for shard in shards { try addShard(shard, to: target, runID: try destinationRun(source.runs[shard.runID] ?? run), source: source) }
                let greedy = Self.isGreedy(evaluation.decodingJSON)
                try addPredictions(predictions, failures: failures, to: target, greedy: greedy, source: source, shard: first)
                let latest = [sharded[target] ?? nil, evaluation.endedAt].compactMap { $0 }.max()
                sharded.updateValue(latest, forKey: target)
            } else {
                let target = try plainEvaluation(identity)
                try addPredictions(predictions, failures: failures, to: target, greedy: false, source: source, shard: nil)
                for metric in source.metrics[evaluation.id!] ?? [] {
                    var row = metric
                    row.id = nil; row.evaluationID = target
                    try upsertMetric(row)
                }
                result.copiedEvaluations.append(target)
            }
        }
        for entry in source.cache where try GenerationCacheRecord.filter(Column("key") == entry.key).fetchCount(db) == 0 {
            var row = entry
            row.id = nil
            try row.insert(db)
            result.rowsWritten += 1
        }
    }

    /// Scores every joined evaluation again over all its predictions and marks it completed once
    /// no example is missing.
    mutating func rescoreSharded(_ rescore: TollgateStore.Rescore) throws {
        for (id, endedAt) in sharded.sorted(by: { $0.key < $1.key }) {
            guard var evaluation = try EvaluationRecord.fetchOne(db, key: id),
                  let scoring = try TollgateStore.shards(db, evaluationID: id).first?.scoringJSON else { continue }
            let predictions = try PredictionRecord.filter(Column("evaluation_id") == id).order(Column("example_index")).fetchAll(db)
            let failureCount = try RequestFailureRecord.filter(Column("evaluation_id") == id).fetchCount(db)
            let rows: [MetricResultRecord]
            do { rows = try rescore(scoring, predictions, failureCount) } catch {
                throw StoreMergeError.scoring(store: destinationPath, evaluationID: id,
                                              message: (error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
            for row in rows {
                var metric = row
                metric.evaluationID = id
                try upsertMetric(metric)
            }
            let complete = try TollgateStore.gaps(db, evaluationID: id)?.isComplete ?? true
            let status: EvaluationRecord.Status = complete ? .completed : .failed
            if evaluation.status != status || evaluation.endedAt != endedAt {
                evaluation.status = status
                evaluation.endedAt = endedAt
                try evaluation.update(db)
                result.rowsWritten += 1
            }
            result.shardedEvaluations.append(id)
        }
    }

    // MARK: - Identity

    private mutating func destinationRun(_ run: RunRecord) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: """
            SELECT id FROM run WHERE host = ? AND process_id = ? AND started_at = ? AND command_line = ? ORDER BY id LIMIT 1
            """, arguments: [run.host, run.processID, run.startedAt, run.commandLine]) { return id }
        var copy = run
        copy.id = nil
        try copy.insert(db)
        result.rowsWritten += 1
        return copy.id!
    }

    private mutating func destination<R: MutablePersistableRecord & FetchableRecord>(
        _ record: R, _ matching: QueryInterfaceRequest<R>) throws -> Int64 where R: IdentifiedRow {
        if let existing = try matching.fetchOne(db) { return existing.rowID! }
        var copy = record
        copy.rowID = nil
        try copy.insert(db)
        result.rowsWritten += 1
        return copy.rowID!
    }

    /// The destination evaluation the shards of `identity` join: same model, adapter, dataset,
    /// decoding, shard count and size, whichever run made it.
    private mutating func shardedEvaluation(_ identity: EvaluationRecord, like shard: EvaluationShardRecord) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: """
            SELECT e.id FROM evaluation e JOIN evaluation_shard s ON s.evaluation_id = e.id
            WHERE e.model_id = ? AND e.adapter_id IS ? AND e.dataset_id = ? AND e.decoding_json = ?
              AND s.shard_count = ? AND s.total_examples = ?
            ORDER BY e.id LIMIT 1
            """, arguments: [identity.modelID, identity.adapterID, identity.datasetID, identity.decodingJSON,
                             shard.shardCount, shard.totalExamples]) { return id }
        var row = identity
        try row.insert(db)
        result.rowsWritten += 1
        return row.id!
    }

    /// An unsharded evaluation is copied as it is, once.
    private mutating func plainEvaluation(_ identity: EvaluationRecord) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: """
            SELECT id FROM evaluation e WHERE run_id = ? AND model_id = ? AND adapter_id IS ? AND dataset_id = ?
              AND decoding_json = ? AND started_at = ? AND NOT EXISTS (SELECT 1 FROM evaluation_shard s WHERE s.evaluation_id = e.id)
            """, arguments: [identity.runID, identity.modelID, identity.adapterID, identity.datasetID,
                             identity.decodingJSON, identity.startedAt]) { return id }
        var row = identity
        try row.insert(db)
        result.rowsWritten += 1
        return row.id!
    }

    private mutating func addShard(_ shard: EvaluationShardRecord, to target: Int64, runID: Int64, source: StoreSnapshot) throws {
        let existing = try TollgateStore.shards(db, evaluationID: target)
        if let other = existing.first, other.scoringJSON != shard.scoringJSON {
            throw StoreMergeError.scoringMismatch(store: source.path, shard: "\(shard.shardIndex)/\(shard.shardCount)")
        }
        if existing.contains(where: { $0.runID == runID && $0.shardIndex == shard.shardIndex }) { return }
        var row = shard
        row.id = nil; row.evaluationID = target; row.runID = runID
        try row.insert(db)
        result.rowsWritten += 1
    }

    // MARK: - Rows of an evaluation

    /// Inserts the predictions the target lacks; an answer replaces a failure of its example, and a
    /// failure is kept only for an example nobody answered. Greedy answers must agree.
    private mutating func addPredictions(_ predictions: [PredictionRecord], failures: [RequestFailureRecord], to target: Int64,
                                         greedy: Bool, source: StoreSnapshot, shard: EvaluationShardRecord?) throws {
        let existing = Dictionary(try PredictionRecord.filter(Column("evaluation_id") == target).fetchAll(db)
            .map { ($0.exampleIndex, $0.output) }) { first, _ in first }
        for prediction in predictions {
            if let earlier = existing[prediction.exampleIndex] {
                if greedy && earlier != prediction.output {
                    let count = shard?.shardCount ?? 1
                    throw StoreMergeError.disagreement(store: source.path, evaluationID: target, exampleIndex: prediction.exampleIndex,
                                                       exampleID: prediction.exampleID,
                                                       shard: "\(prediction.exampleIndex % count)/\(count)",
                                                       earlier: earlier, later: prediction.output)
                }
                continue
            }
            try db.execute(sql: "DELETE FROM request_failure WHERE evaluation_id = ? AND example_index = ?",
                           arguments: [target, prediction.exampleIndex])
            result.rowsWritten += db.changesCount
            var row = prediction
            row.id = nil; row.evaluationID = target
            try row.insert(db)
            result.rowsWritten += 1
        }
        for failure in failures where existing[failure.exampleIndex] == nil {
            let answered = try PredictionRecord.filter(Column("evaluation_id") == target && Column("example_index") == failure.exampleIndex).fetchCount(db)
            let failed = try RequestFailureRecord.filter(Column("evaluation_id") == target && Column("example_index") == failure.exampleIndex).fetchCount(db)
            guard answered == 0 && failed == 0 else { continue }
            var row = failure
            row.id = nil; row.evaluationID = target
            try row.insert(db)
            result.rowsWritten += 1
        }
    }

    /// Inserts a metric row, or updates the stored one in place when its values differ (keeping its
    /// id, so an unchanged merge leaves every row as it was).
    private mutating func upsertMetric(_ metric: MetricResultRecord) throws {
        if var stored = try MetricResultRecord.filter(Column("evaluation_id") == metric.evaluationID
                                                      && Column("metric") == metric.metric).fetchOne(db) {
            var candidate = metric
            candidate.id = stored.id
            guard candidate != stored else { return }
            stored = candidate
            try stored.update(db)
        } else {
            var row = metric
            row.id = nil
            try row.insert(db)
        }
        result.rowsWritten += 1
    }

    /// Temperature 0: every shard must give the same answer to the same example.
    static func isGreedy(_ decodingJSON: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(decodingJSON.utf8)) as? [String: Any],
              let temperature = (object["temperature"] as? NSNumber)?.doubleValue else { return true }
        return temperature == 0
    }
}

/// Provenance records with an integer primary key, so the merge maps them generically.
protocol IdentifiedRow { var rowID: Int64? { get set } }
extension ModelRecord: IdentifiedRow { var rowID: Int64? { get { id } set { id = newValue } } }
extension AdapterRecord: IdentifiedRow { var rowID: Int64? { get { id } set { id = newValue } } }
extension DatasetRecord: IdentifiedRow { var rowID: Int64? { get { id } set { id = newValue } } }
