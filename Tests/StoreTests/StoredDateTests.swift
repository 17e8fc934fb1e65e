import Foundation
import GRDB
import Store
import Testing

/// Every record type reads its dates through `StoredDate` (by its `StoreFetchableRecord`
/// conformance), not GRDB's own parser, which traps on a byte above 0x7F where a digit belongs.
/// The strategy is asked for as GRDB's generic decoding asks for it, through `FetchableRecord`.
struct StoredDateTests {
    static let recordTypes: [any FetchableRecord.Type] = [
        RunRecord.self, TrainingStepRecord.self, CheckpointRecord.self, GateDecisionRecord.self,
        EvaluationRecord.self, PredictionRecord.self, MetricResultRecord.self, GenerationCacheRecord.self,
        ModelRecord.self, AdapterRecord.self, DatasetRecord.self, ReportRecord.self,
        EvaluationShardRecord.self, SelectionSplitRecord.self, RequestFailureRecord.self,
        RouteStepRecord.self, JudgeVerdictRecord.self,
    ]

    static func strategy<Record: FetchableRecord>(_ type: Record.Type) -> DatabaseDateDecodingStrategy {
        type.databaseDateDecodingStrategy(for: "created_at")
    }

    @Test func everyRecordTypeReadsDatesInTheStoredFormsOnly() throws {
        #expect(Self.recordTypes.count == 17)
        for type in Self.recordTypes {
            guard case .custom(let decode) = Self.strategy(type) else {
                Issue.record("\(type) decodes dates with GRDB's own strategy")
                continue
            }
            #expect(decode("2026-12-06 20:30:00.125".databaseValue) == Date(timeIntervalSince1970: 1_796_589_000.125), "\(type)")
            #expect(decode(1_796_589_000.databaseValue) == Date(timeIntervalSince1970: 1_796_589_000), "\(type)")
            #expect(decode("2026-12-\u{00E9} 20:30:00".databaseValue) == nil, "\(type)")
            #expect(decode("yesterday".databaseValue) == nil, "\(type)")
        }
    }
}
