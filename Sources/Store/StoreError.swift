import Foundation

/// Why a store could not be opened or written. Each message is one line naming the file and the fix.
public enum StoreError: LocalizedError, Equatable, Sendable {
    /// The file exists but is not SQLite at all.
    case notSQLite(path: String)
    /// The file is a SQLite database that some other application made.
    case foreignDatabase(path: String, applicationID: Int32)
    /// The store was written by a newer Tollgate: it has migrations this build does not know.
    case newerSchema(path: String, unknownMigrations: [String])
    /// The file claims to be a Tollgate store but its schema is not the one its migrations create.
    case alteredSchema(path: String, object: String)
    /// The file or its folder cannot be opened (missing folder, permissions, locked too long).
    case cannotOpen(path: String, reason: String)
    /// SQLite refused a statement (constraint, busy past the timeout, disk full).
    case sqlite(path: String, message: String)
    /// A caller asked for a row that does not exist.
    case missingRow(path: String, table: String, id: Int64)

    public var errorDescription: String? {
        switch self {
        case .notSQLite(let path):
            return "\(path) is not a Tollgate store (it is not a SQLite file); pass --store with a new path or a tollgate.db"
        case .foreignDatabase(let path, let applicationID):
            let owner = applicationID == 0 ? "a SQLite database of another program"
                : "a SQLite database with application_id \(applicationID)"
            return "\(path) is not a Tollgate store (it is \(owner)); pass --store with a new path or a tollgate.db"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer Tollgate (unknown schema migrations \(unknown.joined(separator: ", "))); upgrade Tollgate to use this store, or pass --store with a new path"
        case .alteredSchema(let path, let object):
            return "\(path) is not a Tollgate store as Tollgate writes it (its \(object) differs from the schema its migrations create); pass --store with a new path, or copy the store again from the machine that wrote it"
        case .cannotOpen(let path, let reason):
            return "cannot open the store \(path) (\(reason)); check the path and its folder's permissions"
        case .sqlite(let path, let message):
            return "store \(path): \(message); check the disk and that no other program holds the file locked"
        case .missingRow(let path, let table, let id):
            return "store \(path) has no \(table) with id \(id); list them with `tollgate history`"
        }
    }
}
