import Foundation
import GRDB

/// The validation set one run chose its checkpoint on (table `selection_split`): either the
/// experiment's `training.valid` ("given") or a share carved from the training data ("carved"),
/// which then trained on the rest.
public struct SelectionSplitRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "selection_split"
    public var id: Int64?
    public var runID: Int64
    /// "carved" or "given".
    public var origin: String
    /// The training data as the experiment names it.
    public var sourcePath: String
    public var sourceSHA256: String
    public var validPath: String
    public var validSHA256: String
    public var validCount: Int
    /// The data training read: the source minus the carved lines, or the source itself.
    public var trainPath: String
    public var trainSHA256: String
    public var trainCount: Int
    /// Carved splits only.
    public var fraction: Double?
    public var seed: Int64?
    public var stratified: Bool
    public var createdAt: Date

    public init(id: Int64? = nil, runID: Int64, origin: String, sourcePath: String, sourceSHA256: String,
                validPath: String, validSHA256: String, validCount: Int, trainPath: String, trainSHA256: String,
                trainCount: Int, fraction: Double?, seed: Int64?, stratified: Bool, createdAt: Date = Date()) {
        self.id = id; self.runID = runID; self.origin = origin; self.sourcePath = sourcePath
        self.sourceSHA256 = sourceSHA256; self.validPath = validPath; self.validSHA256 = validSHA256
        self.validCount = validCount; self.trainPath = trainPath; self.trainSHA256 = trainSHA256
        self.trainCount = trainCount; self.fraction = fraction; self.seed = seed; self.stratified = stratified
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, origin, fraction, seed, stratified
        case runID = "run_id", sourcePath = "source_path", sourceSHA256 = "source_sha256", validPath = "valid_path"
        case validSHA256 = "valid_sha256", validCount = "valid_count", trainPath = "train_path"
        case trainSHA256 = "train_sha256", trainCount = "train_count", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension TollgateStore {
    @discardableResult
    public func recordSelectionSplit(_ split: SelectionSplitRecord) throws -> Int64 {
        try write { db in
            var inserted = split
            try inserted.insert(db)
            return inserted.id!
        }
    }

    /// The validation set a run chose its checkpoint on, if it chose one.
    public func selectionSplit(runID: Int64) throws -> SelectionSplitRecord? {
        try read { db in
            try SelectionSplitRecord.filter(Column("run_id") == runID).order(Column("id").desc).fetchOne(db)
        }
    }
}
