import Foundation
import GRDB

/// Decides, without writing a byte, whether an existing file may be opened as a Tollgate store.
///
/// `DatabasePool` switches a file to WAL mode as it opens it, which rewrites the header; so the
/// file is first read raw and then through a read-only connection, and only a store that is
/// Tollgate's (or a new, empty file) is handed to the pool.
enum StoreIdentity {
    private static let sqliteMagic = Array("SQLite format 3\0".utf8)

    static func verify(path: String) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            throw StoreError.cannotOpen(path: path, reason: "it is a folder; name a file inside it, e.g. \(path)/tollgate.db")
        }
        let size = (try? fileManager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let hasWAL = fileManager.fileExists(atPath: path + "-wal")
        if size == 0 && !hasWAL { return }  // SQLite treats an empty file as a new database.
        if size > 0 {
            guard let header = leadingBytes(path: path) else {
                throw StoreError.cannotOpen(path: path, reason: "the file cannot be read")
            }
            guard header == sqliteMagic else { throw StoreError.notSQLite(path: path) }
        }
        try inspectReadOnly(path: path)
    }

    /// Whether the file's first 16 bytes are missing, all zero or SQLite's: what a store that
    /// another process is creating this instant can show. Any other beginning is another format.
    static func headerMayBeUnwritten(path: String) -> Bool {
        guard let header = leadingBytes(path: path) else { return true }
        return header.count < sqliteMagic.count || header.allSatisfy { $0 == 0 } || header == sqliteMagic
    }

    /// The file's first bytes, as many as SQLite's magic has (fewer when the file is shorter);
    /// nil when it cannot be opened for reading.
    private static func leadingBytes(path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: sqliteMagic.count)) ?? Data())
    }

    private static func inspectReadOnly(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(TollgateStore.busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                if applicationID != Schema.applicationID {
                    let objectCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") ?? 0
                    // An empty database (another process is creating this store right now) is fine.
                    if applicationID == 0 && objectCount == 0 { return }
                    throw StoreError.foreignDatabase(path: path, applicationID: applicationID)
                }
                let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
                guard format == Schema.formatName else {
                    throw StoreError.foreignDatabase(path: path, applicationID: applicationID)
                }
                let applied = try SchemaMigrator.appliedIdentifiers(db)
                let unknown = applied.subtracting(Schema.knownIdentifiers)
                if !unknown.isEmpty {
                    throw StoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
                }
                if let object = try SchemaShape.firstDifference(db, applied: applied) {
                    throw StoreError.alteredSchema(path: path, object: object)
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notSQLite(path: path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            // A missing `meta` table: a SQLite file that merely shares our application id.
            throw StoreError.foreignDatabase(path: path, applicationID: Schema.applicationID)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: TollgateStore.describe(error))
        }
    }
}
