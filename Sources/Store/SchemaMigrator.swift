import GRDB

/// Applies `Schema.migrations` that a store lacks, all inside one IMMEDIATE transaction.
///
/// GRDB's `DatabaseMigrator` reads the applied identifiers before it opens each migration's
/// transaction, so two processes creating one new store at the same moment could both run `v1`.
/// Taking the write lock first and reading the identifiers under it makes the second process see
/// the first one's work and apply nothing.
enum SchemaMigrator {
    static let tableName = "schema_migration"

    static func migrate(_ db: Database, path: String) throws {
        try db.inTransaction(.immediate) {
            try createTable(db)
            let applied = try appliedIdentifiers(db)
            let unknown = applied.subtracting(Schema.knownIdentifiers)
            if !unknown.isEmpty {
                throw StoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
            }
            try apply(db, Schema.migrations.filter { !applied.contains($0.identifier) })
            return .commit
        }
    }

    /// A new database with exactly the migrations `identifiers` applied, in their order, as
    /// `migrate` would have left it (`SchemaShape` compares a store with it).
    static func reference(applying identifiers: Set<String>) throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try createTable(db)
            try apply(db, Schema.migrations.filter { identifiers.contains($0.identifier) })
        }
        return queue
    }

    private static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(tableName) (
                id INTEGER PRIMARY KEY,
                identifier TEXT NOT NULL UNIQUE,
                applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
            )
            """)
    }

    private static func apply(_ db: Database, _ migrations: [(identifier: String, sql: String)]) throws {
        for migration in migrations {
            try db.execute(sql: migration.sql)
            try db.execute(sql: "INSERT INTO \(tableName) (identifier) VALUES (?)", arguments: [migration.identifier])
        }
    }

    /// Identifiers recorded in the store; empty when the migration table does not exist yet.
    static func appliedIdentifiers(_ db: Database) throws -> Set<String> {
        guard try db.tableExists(tableName) else { return [] }
        return Set(try String.fetchAll(db, sql: "SELECT identifier FROM \(tableName)"))
    }
}
