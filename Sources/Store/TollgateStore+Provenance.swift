import Foundation
import GRDB

/// Models, adapters and datasets are stored once per content hash; later sightings update the path.
extension TollgateStore {
    /// The id of the model with `model.sha256`, inserting it when new.
    public func upsertModel(_ model: ModelRecord) throws -> Int64 {
        try upsert(model, matching: ModelRecord.filter(Column("sha256") == model.sha256))
    }

    /// The id of the adapter with `adapter.sha256`, inserting it when new.
    public func upsertAdapter(_ adapter: AdapterRecord) throws -> Int64 {
        try upsert(adapter, matching: AdapterRecord.filter(Column("sha256") == adapter.sha256))
    }

    /// The id of the dataset with the same name, split and SHA-256, inserting it when new.
    public func upsertDataset(_ dataset: DatasetRecord) throws -> Int64 {
        try upsert(dataset, matching: DatasetRecord.filter(Column("name") == dataset.name && Column("split") == dataset.split
                                                           && Column("sha256") == dataset.sha256))
    }

    /// The matching row's id with its path brought up to date, or the new row's id.
    private func upsert<Record: PathIdentifiedRecord>(_ record: Record, matching request: QueryInterfaceRequest<Record>) throws -> Int64 {
        try write { db in
            if var existing = try request.fetchOne(db) {
                existing.path = record.path
                try existing.update(db)
                return existing.id!
            }
            var inserted = record
            try inserted.insert(db)
            return inserted.id!
        }
    }

    public func model(id: Int64) throws -> ModelRecord? { try read { db in try ModelRecord.fetchOne(db, key: id) } }
    public func adapter(id: Int64) throws -> AdapterRecord? { try read { db in try AdapterRecord.fetchOne(db, key: id) } }
    public func dataset(id: Int64) throws -> DatasetRecord? { try read { db in try DatasetRecord.fetchOne(db, key: id) } }
}

/// Provenance rows: identified by content, located by a path that may change.
protocol PathIdentifiedRecord: FetchableRecord, MutablePersistableRecord, TableRecord {
    var id: Int64? { get }
    var path: String { get set }
}

extension ModelRecord: PathIdentifiedRecord {}
extension AdapterRecord: PathIdentifiedRecord {}
extension DatasetRecord: PathIdentifiedRecord {}
