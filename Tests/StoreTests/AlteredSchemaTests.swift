import Foundation
import GRDB
import Store
import Testing

/// A file that carries Tollgate's application id, format row and migration identifiers over tables
/// of its own making is refused when it is opened, and left as it was (the store fuzz target's
/// finding: a NULL where the audit read an index stopped the process in GRDB's row subscript).
@Suite struct AlteredSchemaTests {
    /// A store made by Tollgate, then changed by `sql` through a plain connection (foreign keys off).
    func store(alteredBy sql: String) throws -> (folder: TemporaryFolder, path: String) {
        let folder = try TemporaryFolder()
        let path = folder.path("tollgate.db")
        _ = try TollgateStore(path: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
        return (folder, path)
    }

    func bytes(_ path: String) -> [Data] {
        ["", "-wal"].map { (try? Data(contentsOf: URL(fileURLWithPath: path + $0))) ?? Data() }
    }

    @Test func aTableRemadeWithoutItsNotNullIsRefusedAndLeftByteForByte() throws {
        // What the store fuzz target built: NULLs where the reads expect an id and an index.
        let (folder, path) = try store(alteredBy: """
            DROP TABLE generation_cache;
            CREATE TABLE generation_cache (id INTEGER PRIMARY KEY, key TEXT, output TEXT, output_ids_json TEXT,
                prompt_tokens INTEGER, completion_tokens INTEGER, seconds REAL, cpu_seconds REAL DEFAULT 0,
                created_at DATETIME, finish_reason TEXT, usage_reported BOOLEAN DEFAULT 1);
            INSERT INTO generation_cache (key) VALUES (NULL);
            """)
        defer { folder.remove() }
        let before = bytes(path)
        #expect(throws: StoreError.alteredSchema(path: path, object: "table generation_cache")) { try TollgateStore(path: path) }
        #expect(bytes(path) == before)
        let message = StoreError.alteredSchema(path: path, object: "table generation_cache").errorDescription ?? ""
        #expect(message.hasPrefix("\(path) is not a Tollgate store as Tollgate writes it (its table generation_cache differs"))
    }

    @Test func anAddedTriggerOrIndexIsRefusedByName() throws {
        let (folder, path) = try store(alteredBy: "CREATE TRIGGER wipe AFTER INSERT ON run BEGIN DELETE FROM run; END;")
        defer { folder.remove() }
        #expect(throws: StoreError.alteredSchema(path: path, object: "trigger wipe")) { try TollgateStore(path: path) }
        let (other, indexed) = try store(alteredBy: "CREATE INDEX mine ON prediction (output);")
        defer { other.remove() }
        #expect(throws: StoreError.alteredSchema(path: indexed, object: "index mine")) { try TollgateStore(path: indexed) }
    }

    /// GRDB's date parser stops the process on a byte above 0x7F where a digit belongs; the records
    /// check a date's form first, so such a value is a thrown error (store fuzz target finding), and
    /// the forms Tollgate and SQLite write still read.
    @Test(arguments: [("2026-12-06 10:00:00.123", true), ("2026-12-06T10:00:00", true), ("2026-12-06", true),
                      ("2026-12-06 10:00", true), ("2026-12-06 10:00:00.", false), ("2026-12-0\u{00C9} 10:00:00.000", false),
                      ("1765015200", true), ("x2026-12-06", false), ("2026-12-06 10:00:00+02:00", false)])
    func aDateIsReadOnlyInAStoredForm(_ date: String, _ reads: Bool) throws {
        let (folder, path) = try store(alteredBy: """
            INSERT INTO run (kind, command_line, config_json, tool_version, host, process_id, threads, started_at, status)
            VALUES ('eval', 'tollgate eval', '{}', '1', 'h', 1, 1, '\(date)', 'succeeded');
            """)
        defer { folder.remove() }
        let store = try TollgateStore(path: path)
        if reads {
            #expect(try store.runs(limit: 5).count == 1)
        } else {
            #expect(throws: (any Error).self) { try store.runs(limit: 5) }
        }
    }
}
