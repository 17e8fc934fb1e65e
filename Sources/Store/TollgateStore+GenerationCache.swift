import Foundation
import GRDB

/// Generations kept by key so an identical evaluation is answered without running the model.
extension TollgateStore {
    public func cachedGeneration(key: String) throws -> GenerationCacheRecord? {
        try read { db in try GenerationCacheRecord.filter(Column("key") == key).fetchOne(db) }
    }

    /// The cached generations among `keys`, by key (one query per 500 keys).
    public func cachedGenerations(keys: [String]) throws -> [String: GenerationCacheRecord] {
        try read { db in
            var found: [String: GenerationCacheRecord] = [:]
            var start = 0
            while start < keys.count {
                let chunk = Array(keys[start..<min(start + 500, keys.count)])
                for record in try GenerationCacheRecord.filter(chunk.contains(Column("key"))).fetchAll(db) {
                    found[record.key] = record
                }
                start += 500
            }
            return found
        }
    }

    /// Stores generations in one transaction; a key another process stored first is kept as it is.
    public func storeGenerations(_ generations: [GenerationCacheRecord]) throws {
        try write { db in
            for var generation in generations { try generation.insert(db, onConflict: .ignore) }
        }
    }
}
