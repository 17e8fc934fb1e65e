import Foundation
import GRDB

/// One shard an evaluation holds predictions of (table `evaluation_shard`): the examples whose
/// index ≡ `shardIndex` (mod `shardCount`) among the first `totalExamples`. A shard's own store has
/// one such row; a merged evaluation has one per shard run whose predictions it took.
public struct EvaluationShardRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "evaluation_shard"
    public var id: Int64?
    public var evaluationID: Int64
    /// The run that evaluated this shard.
    public var runID: Int64
    public var shardIndex: Int
    public var shardCount: Int
    /// Examples of the whole (limited) dataset, across all shards.
    public var totalExamples: Int
    /// How the evaluation scores its predictions (metrics, normalisation, resamples, prices), as
    /// canonical JSON; equal for every shard of one evaluation.
    public var scoringJSON: String

    public init(id: Int64? = nil, evaluationID: Int64, runID: Int64, shardIndex: Int, shardCount: Int,
                totalExamples: Int, scoringJSON: String) {
        self.id = id; self.evaluationID = evaluationID; self.runID = runID; self.shardIndex = shardIndex
        self.shardCount = shardCount; self.totalExamples = totalExamples; self.scoringJSON = scoringJSON
    }

    enum CodingKeys: String, CodingKey {
        case id
        case evaluationID = "evaluation_id", runID = "run_id", shardIndex = "shard_index", shardCount = "shard_count"
        case totalExamples = "total_examples", scoringJSON = "scoring_json"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Which shard of an evaluation a process evaluates; part of how an interrupted shard is resumed,
/// never part of the evaluation's identity (model, adapter, dataset, decoding), so shards merge.
public struct ShardSlot: Sendable, Equatable {
    public var index: Int
    public var count: Int
    public var totalExamples: Int
    public var scoringJSON: String

    public init(index: Int, count: Int, totalExamples: Int, scoringJSON: String) {
        self.index = index; self.count = count; self.totalExamples = totalExamples; self.scoringJSON = scoringJSON
    }

    /// The dataset indices this shard answers.
    public var indices: [Int] { Array(stride(from: index, to: totalExamples, by: count)) }
}

/// What a sharded (or merged) evaluation still lacks.
public struct EvaluationGaps: Sendable, Equatable {
    public var evaluationID: Int64
    public var shardCount: Int
    /// Dataset indices with no prediction, ascending.
    public var missingExamples: [Int]
    /// Shards (index) that must run again, ascending.
    public var missingShards: [Int]

    public var isComplete: Bool { missingExamples.isEmpty }
}

extension TollgateStore {
    public func shards(evaluationID: Int64) throws -> [EvaluationShardRecord] {
        try read { db in try Self.shards(db, evaluationID: evaluationID) }
    }

    static func shards(_ db: Database, evaluationID: Int64) throws -> [EvaluationShardRecord] {
        try EvaluationShardRecord.filter(Column("evaluation_id") == evaluationID).order(Column("id")).fetchAll(db)
    }

    /// Missing examples of a sharded evaluation; nil for an evaluation that was never sharded.
    public func gaps(evaluationID: Int64) throws -> EvaluationGaps? {
        try read { db in try Self.gaps(db, evaluationID: evaluationID) }
    }

    static func gaps(_ db: Database, evaluationID: Int64) throws -> EvaluationGaps? {
        guard let first = try shards(db, evaluationID: evaluationID).first else { return nil }
        let answered = Set(try Int.fetchAll(db, sql: "SELECT example_index FROM prediction WHERE evaluation_id = ?",
                                            arguments: [evaluationID]))
        let missing = (0..<first.totalExamples).filter { !answered.contains($0) }
        let shards = Set(missing.map { $0 % first.shardCount }).sorted()
        return EvaluationGaps(evaluationID: evaluationID, shardCount: first.shardCount, missingExamples: missing,
                              missingShards: shards)
    }
}
