import Foundation
import GRDB

/// The report of a gated run: the JSON report body, rendered again to markdown or JUnit on demand.
public struct ReportRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "report"

    public var id: Int64?
    public var runID: Int64
    public var bodyJSON: String
    public var createdAt: Date

    public init(id: Int64? = nil, runID: Int64, bodyJSON: String, createdAt: Date = Date()) {
        self.id = id; self.runID = runID; self.bodyJSON = bodyJSON; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, runID = "run_id", bodyJSON = "body_json", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension TollgateStore {
    /// Stores (or replaces) a run's report.
    public func saveReport(runID: Int64, bodyJSON: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM report WHERE run_id = ?", arguments: [runID])
            var record = ReportRecord(runID: runID, bodyJSON: bodyJSON)
            try record.insert(db)
        }
    }

    public func report(runID: Int64) throws -> ReportRecord? {
        try read { db in try ReportRecord.filter(Column("run_id") == runID).fetchOne(db) }
    }

    /// The newest gated run's id, optionally of one experiment.
    public func latestReportRunID(experiment: String? = nil) throws -> Int64? {
        try read { db in
            if let experiment {
                return try Int64.fetchOne(db, sql: """
                    SELECT report.run_id FROM report JOIN run ON run.id = report.run_id
                    WHERE run.experiment = ? ORDER BY report.run_id DESC LIMIT 1
                    """, arguments: [experiment])
            }
            return try Int64.fetchOne(db, sql: "SELECT run_id FROM report ORDER BY run_id DESC LIMIT 1")
        }
    }
}
