import Foundation
import GRDB

/// One stored text an audit reads, with where it came from.
public struct StoredText: Sendable, Equatable {
    /// `prediction`, `generation_cache`, `request_failure` or `report`.
    public var table: String
    /// `prompt`, `output`, `references_json` or `body_json`.
    public var column: String
    /// Names the row for a reader: `evaluation 3 example p017`, `run 5`, `cache a1b2c3d4`.
    public var row: String
    /// The column's text as stored (JSON for `references_json` and `body_json`).
    public var text: String

    public init(table: String, column: String, row: String, text: String) {
        self.table = table; self.column = column; self.row = row; self.text = text
    }
}

/// Every column in which example, model or report text is stored, for `tollgate audit`.
extension TollgateStore {
    /// Calls `visit` for each stored text, table by table, reading in one snapshot.
    public func forEachStoredText(_ visit: (StoredText) throws -> Void) throws {
        try read { db in
            let predictions = try Row.fetchCursor(db, sql: """
                SELECT evaluation_id, example_index, example_id, prompt, output, references_json FROM prediction
                WHERE text_pruned_at IS NULL ORDER BY id
                """)
            while let row = try predictions.next() {
                let name = "evaluation \(try row.decode(Int64.self, forColumn: "evaluation_id")) example \(try Self.example(row))"
                for column in ["prompt", "output", "references_json"] {
                    try visit(StoredText(table: "prediction", column: column, row: name, text: try row.decode(forColumn: column)))
                }
            }
            let cache = try Row.fetchCursor(db, sql: "SELECT key, output FROM generation_cache ORDER BY id")
            while let row = try cache.next() {
                let key: String = try row.decode(forColumn: "key")
                try visit(StoredText(table: "generation_cache", column: "output", row: "cache \(key.prefix(12))",
                                     text: try row.decode(forColumn: "output")))
            }
            // An endpoint's error message may echo the request it failed on.
            let failures = try Row.fetchCursor(db, sql: """
                SELECT evaluation_id, example_index, example_id, message FROM request_failure ORDER BY id
                """)
            while let row = try failures.next() {
                try visit(StoredText(table: "request_failure", column: "message",
                                     row: "evaluation \(try row.decode(Int64.self, forColumn: "evaluation_id")) example \(try Self.example(row))",
                                     text: try row.decode(forColumn: "message")))
            }
            let reports = try Row.fetchCursor(db, sql: "SELECT run_id, body_json FROM report ORDER BY id")
            while let row = try reports.next() {
                try visit(StoredText(table: "report", column: "body_json", row: "run \(try row.decode(Int64.self, forColumn: "run_id"))",
                                     text: try row.decode(forColumn: "body_json")))
            }
        }
    }

    /// The example's id, or `#index` when it has none. Every value is decoded with `decode`, which
    /// throws on NULL or a value of another type (a damaged store or one from elsewhere); GRDB's row
    /// subscripts stop the process instead.
    private static func example(_ row: Row) throws -> String {
        if let id: String = try row.decode(forColumn: "example_id") { return id }
        return "#\(try row.decode(Int.self, forColumn: "example_index"))"
    }
}
