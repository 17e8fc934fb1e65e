import Foundation
import Store

/// What `tollgate merge` did: the joined evaluations, and what each still lacks.
public struct MergeReport: Sendable {
    public struct Joined: Sendable, Equatable {
        public var evaluationID: Int64
        public var predictions: Int
        public var totalExamples: Int
        public var gaps: EvaluationGaps
    }

    public var destination: String
    public var joined: [Joined]
    public var copiedEvaluations: [Int64]
    public var rowsWritten: Int

    /// Every joined evaluation has all its examples.
    public var isComplete: Bool { joined.allSatisfy(\.gaps.isComplete) }
}

/// `tollgate merge`: shards' stores into one, shards of one evaluation scored again as one.
public enum EvaluationMerge {
    public static func merge(into destination: String, stores: [String]) throws -> MergeReport {
        for path in stores where !FileManager.default.fileExists(atPath: path) {
            throw MergeInputError(message: "\(path) does not exist; pass the stores the shards wrote (--store of each tollgate eval --shard)")
        }
        let sources = try stores.map { try TollgateStore(path: $0) }
        let target = try TollgateStore(path: destination)
        let result = try target.merge(from: sources) { scoringJSON, predictions, failureCount in
            guard let settings = ScoringSettings.decode(scoringJSON) else {
                throw MergeInputError(message: "\(destination): a shard's scoring settings \(scoringJSON) are not readable by this tollgate; upgrade it")
            }
            let evaluationID = predictions.first?.evaluationID ?? 0
            return try EvaluationScoring.score(evaluationID: evaluationID, predictions: predictions,
                                               failureCount: failureCount, settings: settings).rows
        }
        let joined = try result.shardedEvaluations.map { id -> MergeReport.Joined in
            let gaps = try target.gaps(evaluationID: id)!
            let total = try target.shards(evaluationID: id).first?.totalExamples ?? 0
            return MergeReport.Joined(evaluationID: id, predictions: total - gaps.missingExamples.count,
                                      totalExamples: total, gaps: gaps)
        }
        return MergeReport(destination: destination, joined: joined, copiedEvaluations: result.copiedEvaluations,
                           rowsWritten: result.rowsWritten)
    }

    /// Throws an infrastructure failure (exit 3, no decision) naming what an evaluation lacks when
    /// it is a sharded evaluation with missing examples; gate, compare and report call it first.
    public static func requireComplete(store: TollgateStore, evaluationID: Int64) throws {
        guard let gaps = try store.gaps(evaluationID: evaluationID), !gaps.isComplete else { return }
        throw InfrastructureFailure(message: incompleteMessage(store: store.path, gaps: gaps))
    }

    /// "evaluation 3 in m.db lacks 53 of 210 examples (2, 6, 10, …): shard 2/4 never arrived; rerun it and merge again".
    public static func incompleteMessage(store: String, gaps: EvaluationGaps) -> String {
        let shown = gaps.missingExamples.prefix(10).map(String.init).joined(separator: ", ")
            + (gaps.missingExamples.count > 10 ? ", …" : "")
        let shards = gaps.missingShards.map { "\($0)/\(gaps.shardCount)" }.joined(separator: ", ")
        return "evaluation \(gaps.evaluationID) in \(store) is incomplete: \(gaps.missingExamples.count) examples missing "
            + "(\(shown)); rerun shard\(gaps.missingShards.count == 1 ? "" : "s") \(shards) "
            + "(tollgate eval --shard K/N, or resubmit those array tasks) and merge again; no decision"
    }
}

public struct MergeInputError: Error, LocalizedError, Sendable {
    public var message: String
    public var errorDescription: String? { message }
}
