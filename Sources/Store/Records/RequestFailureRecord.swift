import Foundation
import GRDB

/// A request an endpoint did not answer after its retries (table `request_failure`): stored so the
/// evaluation can say what is missing and a later run retries exactly these, never scored as a
/// wrong answer. The message is the client's one line, which never holds a key or header.
public struct RequestFailureRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "request_failure"
    public var id: Int64?
    public var evaluationID: Int64
    public var exampleIndex: Int
    public var exampleID: String?
    /// quota, rejected, exhausted, unreachable, timeout or not_sent.
    public var kind: String
    /// The HTTP status of the last attempt, when there was a response.
    public var httpStatus: Int?
    public var message: String
    public var retries: Int
    public var createdAt: Date

    public init(id: Int64? = nil, evaluationID: Int64, exampleIndex: Int, exampleID: String?, kind: String,
                httpStatus: Int?, message: String, retries: Int, createdAt: Date = Date()) {
        self.id = id; self.evaluationID = evaluationID; self.exampleIndex = exampleIndex; self.exampleID = exampleID
        self.kind = kind; self.httpStatus = httpStatus; self.message = message; self.retries = retries
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, message, retries
        case evaluationID = "evaluation_id", exampleIndex = "example_index", exampleID = "example_id"
        case httpStatus = "http_status", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Failed requests of evaluations.
extension TollgateStore {
    /// Stores answers and failures of one batch in one transaction. An answer replaces the failure
    /// an earlier run left for its example; a failure replaces an earlier failure of the same example.
    public func recordOutcomes(predictions: [PredictionRecord], failures: [RequestFailureRecord]) throws {
        try write { db in try Self.insertOutcomes(db, predictions: predictions, failures: failures) }
    }

    static func insertOutcomes(_ db: Database, predictions: [PredictionRecord], failures: [RequestFailureRecord]) throws {
        for var prediction in predictions {
            try db.execute(sql: "DELETE FROM request_failure WHERE evaluation_id = ? AND example_index = ?",
                           arguments: [prediction.evaluationID, prediction.exampleIndex])
            try prediction.insert(db)
        }
        for var failure in failures { try failure.insert(db, onConflict: .replace) }
    }

    /// An evaluation's unanswered requests, in dataset order.
    public func requestFailures(evaluationID: Int64) throws -> [RequestFailureRecord] {
        try read { db in
            try RequestFailureRecord.filter(Column("evaluation_id") == evaluationID).order(Column("example_index")).fetchAll(db)
        }
    }
}
