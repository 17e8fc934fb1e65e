import Foundation

/// A validated JSONL dataset with the SHA-256 of the bytes it was parsed from (for the store's
/// provenance), read from disk once.
public struct DatasetFile: Sendable, Equatable {
    public let path: String
    public let sha256: String
    public let examples: [Example]

    /// A dataset built in memory (a judge's requests); `sha256` must identify its content.
    public init(path: String, sha256: String, examples: [Example]) {
        self.path = path
        self.sha256 = sha256
        self.examples = examples
    }

    /// Reads, hashes and validates the file; throws `CorpusError` naming the first bad line.
    public static func load(path: String, purpose: ExamplePurpose) throws -> DatasetFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "no such file"
            throw CorpusError.cannotRead(path: path, reason: reason)
        }
        let examples = try ExampleParser.parse(data, path: path, purpose: purpose)
        var hasher = SHA256()
        hasher.update(data)
        return DatasetFile(path: path, sha256: hasher.finalizeHex(), examples: examples)
    }

    /// A name for the store: the folder under `Datasets/` (`Datasets/support/holdout.jsonl` → "support"),
    /// else the file name without its extension.
    public var name: String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().lastPathComponent
        return ["", ".", "/"].contains(folder) ? url.deletingPathExtension().lastPathComponent : folder
    }

    /// The split, from the file name (`holdout.jsonl` → "holdout").
    public var split: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
}
