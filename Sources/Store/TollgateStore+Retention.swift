import Foundation
import GRDB

/// What a prune removed, and the file's size around it.
public struct PruneSummary: Sendable, Equatable {
    /// Predictions whose prompt, output and references were removed.
    public var predictions: Int
    /// Reports whose quoted examples were blanked.
    public var reports: Int
    /// Generation-cache rows deleted (their outputs are text too).
    public var cachedGenerations: Int
    /// Size of the store file plus its WAL before and after (VACUUM and a WAL checkpoint).
    public var bytesBefore: Int64
    public var bytesAfter: Int64
}

/// Retention: remove the text of old predictions, reports and cached generations while keeping
/// everything trends, drift checks and audits read — per-example scores, token counts, latency,
/// the SHA-256 of each prompt and output, metrics, gate decisions and report metadata.
extension TollgateStore {
    /// Prunes, in one transaction, the text of completed or failed evaluations started before
    /// `cutoff` (only the runs of `experiment` when given), reports created before it, and cached
    /// generations made before it; then runs VACUUM and truncates the WAL so the freed pages, and
    /// the text in them, leave the file.
    ///
    /// - Parameters:
    ///   - sha256: hex SHA-256 of a text (the caller's; the store holds no hashing code).
    ///   - pruneReport: a report's JSON body with its quoted examples replaced; called per report.
    public func pruneText(before cutoff: Date, experiment: String? = nil, prunedAt: Date = Date(),
                          sha256: (String) -> String, pruneReport: (String) throws -> String) throws -> PruneSummary {
        let bytesBefore = fileBytes()
        let counts = try write { db -> (Int, Int, Int) in
            let scope = experiment == nil ? "" : "AND run.experiment = ?"
            var arguments: StatementArguments = [cutoff]
            if let experiment { arguments += [experiment] }
            let rows = try Row.fetchAll(db, sql: """
                SELECT prediction.id, prediction.prompt, prediction.output FROM prediction
                JOIN evaluation ON evaluation.id = prediction.evaluation_id
                JOIN run ON run.id = evaluation.run_id
                WHERE evaluation.started_at < ? AND evaluation.status != 'running'
                  AND prediction.text_pruned_at IS NULL \(scope)
                """, arguments: arguments)
            let update = try db.makeStatement(sql: """
                UPDATE prediction SET prompt = '', output = '', references_json = '[]',
                    prompt_sha256 = ?, output_sha256 = ?, text_pruned_at = ?
                WHERE id = ?
                """)
            for row in rows {
                let prompt: String = try row.decode(forColumn: "prompt"), output: String = try row.decode(forColumn: "output")
                try update.execute(arguments: [sha256(prompt), sha256(output), prunedAt, try row.decode(Int64.self, forColumn: "id")])
            }
            let reports = try Row.fetchAll(db, sql: """
                SELECT report.id, report.body_json FROM report JOIN run ON run.id = report.run_id
                WHERE report.created_at < ? AND report.text_pruned_at IS NULL \(scope)
                """, arguments: arguments)
            for report in reports {
                try db.execute(sql: "UPDATE report SET body_json = ?, text_pruned_at = ? WHERE id = ?",
                               arguments: [try pruneReport(report.decode(forColumn: "body_json")), prunedAt,
                                            try report.decode(Int64.self, forColumn: "id")])
            }
            // Failure messages may echo the request; the kind, status and retries stay for the record.
            try db.execute(sql: "UPDATE request_failure SET message = '(text pruned)' WHERE created_at < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM generation_cache WHERE created_at < ?", arguments: [cutoff])
            return (rows.count, reports.count, db.changesCount)
        }
        try reclaimSpace()
        return PruneSummary(predictions: counts.0, reports: counts.1, cachedGenerations: counts.2,
                            bytesBefore: bytesBefore, bytesAfter: fileBytes())
    }

    /// VACUUM rewrites the file without free pages; the checkpoint moves the result out of the WAL
    /// and truncates it, so neither file keeps a copy of the removed text.
    public func reclaimSpace() throws {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw StoreError.sqlite(path: path, message: Self.describe(error))
        }
    }

    /// Bytes of the store file and its WAL.
    public func fileBytes() -> Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
