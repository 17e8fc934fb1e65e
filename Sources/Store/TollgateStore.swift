import Foundation
import GRDB

/// The experiment store: one SQLite file (WAL mode) that several processes may write at once.
///
/// Opening checks, before writing anything, that the file is new, empty or a Tollgate store of a
/// schema this build knows; every method that writes several rows does so in one transaction.
public final class TollgateStore: Sendable {
    /// How long a writer waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 10

    /// The default file name, in the working directory.
    public static let defaultFileName = "tollgate.db"

    public let path: String
    let pool: DatabasePool

    /// Opens (creating when absent) the store at `path` and applies missing migrations.
    public init(path: String = TollgateStore.defaultFileName) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.cannotOpen(path: path, reason: "the folder \(folder) does not exist")
        }
        pool = try Self.openAndMigrate(path: path)
    }

    /// Checks the file, opens it in WAL mode and migrates it. Two processes creating one new store at
    /// the same moment can each find the other's lock while switching the file to WAL (SQLite then
    /// answers the old journal mode instead of waiting); such attempts are repeated for up to the
    /// busy timeout.
    private static func openAndMigrate(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "tollgate-store"
        let deadline = Date().addingTimeInterval(busyTimeout)
        var headerRechecked = false
        while true {
            do {
                try StoreIdentity.verify(path: path)
                let pool = try DatabasePool(path: path, configuration: configuration)
                try pool.writeWithoutTransaction { db in try SchemaMigrator.migrate(db, path: path) }
                return pool
            } catch let error as StoreError {
                // A file another process is creating this instant may show no header yet: look twice.
                // A file that begins with other bytes is someone else's, and is refused at once.
                if case .notSQLite = error, !headerRechecked, StoreIdentity.headerMayBeUnwritten(path: path) {
                    headerRechecked = true
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                if case .cannotOpen(_, let reason) = error, isTransient(reason), Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                throw error
            } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
                throw StoreError.notSQLite(path: path)
            } catch {
                if isTransient(describe(error)), Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.02)
                    continue
                }
                throw StoreError.cannotOpen(path: path, reason: describe(error))
            }
        }
    }

    private static func isTransient(_ reason: String) -> Bool {
        reason.contains("could not activate WAL") || reason.contains("SQLite code 5)") || reason.contains("SQLite code 6)")
            || reason.contains("locked") || reason.contains("busy")
    }

    /// Identifiers of the migrations applied to this store, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT identifier FROM \(SchemaMigrator.tableName) ORDER BY id") }
    }

    // MARK: - Error mapping

    /// Runs `body` in one write transaction, turning SQLite failures into `StoreError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as StoreError { throw error } catch let error as StoreMergeError {
            throw error
        } catch {
            throw StoreError.sqlite(path: path, message: Self.describe(error))
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as StoreError { throw error } catch {
            throw StoreError.sqlite(path: path, message: Self.describe(error))
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.message ?? "SQLite error") (SQLite code \(error.resultCode.rawValue))"
        }
        return String(describing: error)
    }
}
