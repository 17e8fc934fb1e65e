import Foundation
import GRDB

/// Models, adapters and datasets are stored once per content hash; later sightings update the path.
extension TollgateStore {
    /// The id of the model with `model.sha256`, inserting it when new.
    public func upsertModel(_ model: ModelRecord) throws -> Int64 {
        try write { db in
            if var existing = try ModelRecord.filter(Column("sha256") == model.sha256).fetchOne(db) {
                existing.path = model.path
                try existing.update(db)
                return existing.id!
            }
            var inserted = model
            try inserted.insert(db)
            return inserted.id!
        }
    }

    /// The id of the adapter with `adapter.sha256`, inserting it when new.
    public func upsertAdapter(_ adapter: AdapterRecord) throws -> Int64 {
        try write { db in
            if var existing = try AdapterRecord.filter(Column("sha256") == adapter.sha256).fetchOne(db) {
                existing.path = adapter.path
                try existing.update(db)
                return existing.id!
            }
            var inserted = adapter
            try inserted.insert(db)
            return inserted.id!
        }
    }

    /// The id of the dataset with the same name, split and SHA-256, inserting it when new.
    public func upsertDataset(_ dataset: DatasetRecord) throws -> Int64 {
        try write { db in
            let match = DatasetRecord.filter(Column("name") == dataset.name && Column("split") == dataset.split
                                             && Column("sha256") == dataset.sha256)
            if var existing = try match.fetchOne(db) {
                existing.path = dataset.path
                try existing.update(db)
                return existing.id!
            }
            var inserted = dataset
            try inserted.insert(db)
            return inserted.id!
        }
    }

    public func model(id: Int64) throws -> ModelRecord? { try read { db in try ModelRecord.fetchOne(db, key: id) } }
    public func adapter(id: Int64) throws -> AdapterRecord? { try read { db in try AdapterRecord.fetchOne(db, key: id) } }
    public func dataset(id: Int64) throws -> DatasetRecord? { try read { db in try DatasetRecord.fetchOne(db, key: id) } }
}
