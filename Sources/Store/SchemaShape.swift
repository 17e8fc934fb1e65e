import Foundation
import GRDB

/// Whether a store's tables, indexes, triggers and views are exactly those its applied migrations
/// create. A file from elsewhere can carry Tollgate's application id, format row and migration
/// identifiers over tables of its own making: a column without its NOT NULL, an `id` that is not
/// the row id, a trigger. The reads trust the schema (an `id` is never NULL, a NOT NULL text column
/// always decodes), so such a file is refused when it is opened, before anything reads or writes it.
///
/// The comparison is of `sqlite_master`'s SQL text, object by object, against a new in-memory
/// database to which the same migrations were applied in order. SQLite's own objects (`sqlite_`
/// names: the sequence table, ANALYZE statistics, automatic indexes, which follow from the tables'
/// SQL) are left out. The reference shape is built once per process for each set of applied
/// migrations (a few milliseconds each) and kept.
enum SchemaShape {
    /// The first object that differs ("table prediction", "trigger t"), or nil when the shapes agree.
    static func firstDifference(_ db: Database, applied: Set<String>) throws -> String? {
        let found = try objects(db)
        let expected = try referenceShapes.shape(applying: applied)
        for (name, sql) in expected.sorted(by: { $0.key < $1.key }) where found[name] != sql {
            return name
        }
        return found.keys.sorted().first { expected[$0] == nil }
    }

    private static let referenceShapes = ReferenceShapes()

    /// The objects of an in-memory store migrated with each applied set met so far, at most
    /// `capacity` sets (a process opens stores of one or two versions; a fuzzer, of any subset).
    private final class ReferenceShapes: @unchecked Sendable {
        private let capacity = 8
        private let lock = NSLock()
        private var shapes: [Set<String>: [String: String]] = [:]

        func shape(applying applied: Set<String>) throws -> [String: String] {
            if let known = lock.withLock({ shapes[applied] }) { return known }
            let built = try SchemaMigrator.reference(applying: applied).read(SchemaShape.objects)
            lock.withLock { if shapes.count < capacity { shapes[applied] = built } }
            return built
        }
    }

    /// "type name" → its SQL, with the whitespace runs of the SQL made single spaces.
    fileprivate static func objects(_ db: Database) throws -> [String: String] {
        var objects: [String: String] = [:]
        let rows = try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        for row in rows {
            let type: String? = try row.decode(forColumn: "type"), name: String? = try row.decode(forColumn: "name")
            let sql: String? = try row.decode(forColumn: "sql")
            objects["\(type ?? "?") \(name ?? "?")"] = (sql ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        return objects
    }
}
