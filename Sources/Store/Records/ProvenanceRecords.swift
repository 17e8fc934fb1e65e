import Foundation
import GRDB

/// A model file, identified by the SHA-256 of its bytes (table `model`).
public struct ModelRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model"
    public var id: Int64?
    public var path: String
    public var sha256: String
    /// `general.architecture`, e.g. "llama".
    public var architecture: String
    /// The dominant tensor type, e.g. "Q4_1".
    public var quantization: String
    public var parameterCount: Int64
    public var createdAt: Date

    public init(id: Int64? = nil, path: String, sha256: String, architecture: String, quantization: String,
                parameterCount: Int64, createdAt: Date = Date()) {
        self.id = id; self.path = path; self.sha256 = sha256; self.architecture = architecture
        self.quantization = quantization; self.parameterCount = parameterCount; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, path, sha256, architecture, quantization
        case parameterCount = "parameter_count", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A LoRA adapter (PEFT folder or llama.cpp GGUF), identified by SHA-256 (table `adapter`).
public struct AdapterRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "adapter"
    public var id: Int64?
    public var path: String
    public var sha256: String
    /// "peft" or "gguf".
    public var format: String
    public var rank: Int
    public var alpha: Double
    /// Projection names the adapter touches, e.g. ["q", "v"]; stored as JSON.
    public var targets: [String]
    public var createdAt: Date

    public init(id: Int64? = nil, path: String, sha256: String, format: String, rank: Int, alpha: Double,
                targets: [String], createdAt: Date = Date()) {
        self.id = id; self.path = path; self.sha256 = sha256; self.format = format; self.rank = rank
        self.alpha = alpha; self.targets = targets; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, path, sha256, format, rank, alpha, targets
        case createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One JSONL split of a dataset as it was on disk (table `dataset`).
public struct DatasetRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "dataset"
    public var id: Int64?
    public var name: String
    /// "train", "valid", "holdout", …
    public var split: String
    public var path: String
    public var sha256: String
    public var exampleCount: Int
    public var createdAt: Date

    public init(id: Int64? = nil, name: String, split: String, path: String, sha256: String, exampleCount: Int,
                createdAt: Date = Date()) {
        self.id = id; self.name = name; self.split = split; self.path = path; self.sha256 = sha256
        self.exampleCount = exampleCount; self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, split, path, sha256
        case exampleCount = "example_count", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
