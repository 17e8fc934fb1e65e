import Foundation
import GRDB

/// One judge call's verdict (table `judge_verdict`, see `Schema.v8`): scored with a value and
/// its label, or unscored with the reason, always with the judge's raw output.
public struct JudgeVerdictRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "judge_verdict"
    public var id: Int64?
    public var runID: Int64
    /// The judge's name in the experiment.
    public var judge: String
    /// The evaluation whose predictions are this judge's calls.
    public var judgeEvaluationID: Int64
    /// The call's example index in the judge evaluation (its prediction).
    public var callIndex: Int
    /// The evaluation whose answer was judged; nil for a calibration answer.
    public var judgedEvaluationID: Int64?
    /// The judged example's dataset index (the judge evaluation's own index is implied by the row).
    public var exampleIndex: Int
    public var exampleID: String?
    /// single, ab (baseline first), ba (candidate first) or calibration.
    public var position: String
    /// scored or unscored.
    public var state: String
    /// 1/0 for pass/fail, the score for a 1–N scale; pairwise: 1 first answer, 0 second, 0.5 tie.
    public var value: Double?
    /// The verdict as the judge wrote it, normalised (PASS, FAIL, 4, A, B, TIE).
    public var label: String?
    public var unscoredReason: String?
    public var rawOutput: String
    public var createdAt: Date

    public init(id: Int64? = nil, runID: Int64, judge: String, judgeEvaluationID: Int64, callIndex: Int, judgedEvaluationID: Int64?,
                exampleIndex: Int, exampleID: String?, position: String, state: String, value: Double?, label: String?,
                unscoredReason: String?, rawOutput: String, createdAt: Date = Date()) {
        self.id = id; self.runID = runID; self.judge = judge; self.judgeEvaluationID = judgeEvaluationID; self.callIndex = callIndex
        self.judgedEvaluationID = judgedEvaluationID; self.exampleIndex = exampleIndex; self.exampleID = exampleID
        self.position = position; self.state = state; self.value = value; self.label = label
        self.unscoredReason = unscoredReason; self.rawOutput = rawOutput; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, judge, position, state, value, label
        case runID = "run_id", judgeEvaluationID = "judge_evaluation_id", judgedEvaluationID = "judged_evaluation_id"
        case callIndex = "call_index", exampleIndex = "example_index", exampleID = "example_id", unscoredReason = "unscored_reason"
        case rawOutput = "raw_output", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Judge verdicts of experiment runs.
extension TollgateStore {
    /// Replaces the verdicts of one judge evaluation in one transaction (a re-run reads the same
    /// stored calls again and writes the same verdicts).
    public func recordJudgeVerdicts(_ verdicts: [JudgeVerdictRecord], judgeEvaluationID: Int64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM judge_verdict WHERE judge_evaluation_id = ?", arguments: [judgeEvaluationID])
            for var verdict in verdicts { try verdict.insert(db) }
        }
    }

    /// A judge evaluation's verdicts in the order of its calls.
    public func judgeVerdicts(judgeEvaluationID: Int64) throws -> [JudgeVerdictRecord] {
        try read { db in
            try JudgeVerdictRecord.filter(Column("judge_evaluation_id") == judgeEvaluationID)
                .order(Column("call_index")).fetchAll(db)
        }
    }
}
