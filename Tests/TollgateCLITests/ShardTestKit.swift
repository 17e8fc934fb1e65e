import Foundation
import GRDB
import Store
import TestSupport

/// What the sharding tests compare: whole-store dumps and the quality side of an evaluation.
enum ShardTestKit {
    /// Every row of every table, in rowid order, as text: equal dumps mean no row changed.
    static func dump(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                """)
            return try tables.map { table in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid")
                return "## \(table)\n" + rows.map(\.description).joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    /// Outputs by example index, and the quality metric rows (value, interval, details) that a
    /// merge must reproduce exactly; latency and CPU figures differ between processes by nature.
    struct Quality: Equatable, CustomStringConvertible {
        var outputs: [Int: String]
        var metrics: [String: [String]]
        var description: String { "\(outputs.count) outputs, metrics \(metrics)" }
    }

    static func quality(_ path: String, evaluation: Int64, metrics: Set<String> = ["em", "chrf"]) throws -> Quality {
        let store = try TollgateStore(path: path)
        let predictions = try store.predictions(evaluationID: evaluation)
        let rows = try store.metrics(evaluationID: evaluation).filter { metrics.contains($0.metric) }
        return Quality(
            outputs: Dictionary(uniqueKeysWithValues: predictions.map { ($0.exampleIndex, $0.output) }),
            metrics: Dictionary(uniqueKeysWithValues: rows.map { row in
                (row.metric, ["\(row.value)", "\(row.ciLow.map { "\($0)" } ?? "nil")", "\(row.ciHigh.map { "\($0)" } ?? "nil")",
                              row.signature, row.detailsJSON])
            }))
    }

    /// The one sharded evaluation a merged store holds.
    static func shardedEvaluation(_ path: String) throws -> Int64? {
        try DatabaseQueue(path: path).read { db in
            try Int64.fetchOne(db, sql: "SELECT DISTINCT evaluation_id FROM evaluation_shard ORDER BY evaluation_id LIMIT 1")
        }
    }
}
