import Foundation
import GRDB
import Store
import Testing

@Suite struct StoreIdentityTests {
    @Test func freshStoreAppliesEveryMigrationAndIsMarkedAsTollgates() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("tollgate.db")
        let store = try TollgateStore(path: path)
        #expect(try store.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"])

        let queue = try DatabaseQueue(path: path)
        let tables = ["model", "adapter", "dataset", "run", "evaluation", "prediction", "metric_result",
                      "generation_cache", "training_step", "checkpoint", "gate_decision"]
        let (applicationID, format, journalMode, missing) = try queue.read { db throws -> (Int32?, String?, String?, [String]) in
            (try Int32.fetchOne(db, sql: "PRAGMA application_id"),
             try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try tables.filter { try !db.tableExists($0) })
        }
        #expect(applicationID == 0x544F_4C4C)
        #expect(format == "tollgate-store")
        #expect(journalMode == "wal")
        #expect(missing.isEmpty)
    }

    @Test func reopeningAStoreKeepsItsRowsAndAppliesNothingTwice() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("tollgate.db")
        let runID = try TollgateStore(path: path).beginRun(sampleRun())
        let reopened = try TollgateStore(path: path)
        #expect(try reopened.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"])
        #expect(try reopened.run(id: runID)?.commandLine == "tollgate eval --data holdout.jsonl")
    }

    @Test func emptyFileIsInitialisedAsANewStore() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("empty.db")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(try TollgateStore(path: path).appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"])
    }

    @Test func otherApplicationsSQLiteFileIsRejectedAndLeftByteForByte() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("notes.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO note (body) VALUES ('keep me')")
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        #expect {
            try TollgateStore(path: path)
        } throws: { error in
            guard case StoreError.foreignDatabase(let errorPath, _) = error else { return false }
            let message = (error as? StoreError)?.errorDescription ?? ""
            return errorPath == path && message.contains("is not a Tollgate store") && message.contains("--store")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test func nonSQLiteFileIsRejectedAndLeftByteForByte() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("results.csv")
        let garbage = Data("example,score\n1,0.5\n".utf8) + Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        try garbage.write(to: URL(fileURLWithPath: path))

        #expect(throws: StoreError.notSQLite(path: path)) { try TollgateStore(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
        #expect(StoreError.notSQLite(path: path).errorDescription
                == "\(path) is not a Tollgate store (it is not a SQLite file); pass --store with a new path or a tollgate.db")
    }

    @Test func storeFromANewerSchemaIsRejectedAndLeftByteForByte() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        let path = folder.path("tollgate.db")
        _ = try TollgateStore(path: path)
        // What a future Tollgate would leave: an extra applied migration this build does not know.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO schema_migration (identifier) VALUES ('v2-from-the-future')")
        }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        #expect(throws: StoreError.newerSchema(path: path, unknownMigrations: ["v2-from-the-future"])) {
            try TollgateStore(path: path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let message = StoreError.newerSchema(path: path, unknownMigrations: ["v2-from-the-future"]).errorDescription ?? ""
        #expect(message.contains(path) && message.contains("upgrade Tollgate"))
    }

    @Test func aFolderIsNotAStore() throws {
        let folder = try TemporaryFolder(); defer { folder.remove() }
        #expect {
            try TollgateStore(path: folder.url.path)
        } throws: { error in
            (error as? StoreError)?.errorDescription?.contains("it is a folder") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test func missingFolderIsACannotOpenError() throws {
        let path = "/nonexistent-\(UUID().uuidString)/tollgate.db"
        #expect {
            try TollgateStore(path: path)
        } throws: { error in
            guard case StoreError.cannotOpen(let errorPath, _) = error else { return false }
            return errorPath == path
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
