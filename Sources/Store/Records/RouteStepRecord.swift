import Foundation
import GRDB

/// One member a route tried for one example (table `route_step`), in route order (`position` 0 is
/// the primary). Which member answered an example is the row whose outcome is `answered`; an
/// example every member failed has no such row and no prediction.
public struct RouteStepRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "route_step"

    public enum Outcome: String, Codable, Sendable {
        /// The member answered (from its cache when `fromCache`).
        case answered
        /// The member's own failure after its retries (`kind`, `httpStatus` say which).
        case failed
        /// A drill's client-side failure: no request was sent, and it is not the provider's error.
        case injected
    }

    public var id: Int64?
    public var evaluationID: Int64
    public var exampleIndex: Int
    public var position: Int
    /// The member's name in the route (an endpoint's or a variant's).
    public var member: String
    public var outcome: Outcome
    /// The failure's kind (quota, exhausted, unreachable, timeout, …); nil when answered.
    public var kind: String?
    public var httpStatus: Int?
    /// Seconds spent on this member for this example (0 for injected failures and cached answers).
    public var seconds: Double
    public var fromCache: Bool

    public init(id: Int64? = nil, evaluationID: Int64, exampleIndex: Int, position: Int, member: String, outcome: Outcome,
                kind: String? = nil, httpStatus: Int? = nil, seconds: Double, fromCache: Bool = false) {
        self.id = id; self.evaluationID = evaluationID; self.exampleIndex = exampleIndex; self.position = position
        self.member = member; self.outcome = outcome; self.kind = kind; self.httpStatus = httpStatus
        self.seconds = seconds; self.fromCache = fromCache
    }

    enum CodingKeys: String, CodingKey {
        case id, position, member, outcome, kind, seconds
        case evaluationID = "evaluation_id", exampleIndex = "example_index", httpStatus = "http_status"
        case fromCache = "from_cache"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The members routes tried.
extension TollgateStore {
    /// Stores one batch's answers, failures and route steps in one transaction. An example's steps
    /// replace those an earlier run of the same evaluation left for it (its members were tried again).
    public func recordOutcomes(predictions: [PredictionRecord], failures: [RequestFailureRecord],
                               routeSteps: [RouteStepRecord]) throws {
        try write { db in
            for index in Set(routeSteps.map(\.exampleIndex)) {
                try db.execute(sql: "DELETE FROM route_step WHERE evaluation_id = ? AND example_index = ?",
                               arguments: [routeSteps[0].evaluationID, index])
            }
            for var step in routeSteps { try step.insert(db) }
            try Self.insertOutcomes(db, predictions: predictions, failures: failures)
        }
    }

    /// An evaluation's route steps, by example then position.
    public func routeSteps(evaluationID: Int64) throws -> [RouteStepRecord] {
        try read { db in
            try RouteStepRecord.filter(Column("evaluation_id") == evaluationID)
                .order(Column("example_index"), Column("position")).fetchAll(db)
        }
    }
}
