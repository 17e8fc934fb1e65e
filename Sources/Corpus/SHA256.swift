import Foundation

import Crypto

/// SHA-256, for the provenance of models, adapters and datasets in the store and for
/// generation-cache keys: swift-crypto's digest (BoringSSL's on Linux) behind the few calls the
/// project makes, with a per-process memo of file digests.
public struct SHA256 {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    public mutating func update(_ data: Data) {
        hasher.update(data: data)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The digest as 64 lowercase hex digits; the hasher is spent afterwards.
    public mutating func finalizeHex() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - One-call helpers

    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    public static func hex(_ text: String) -> String { hex(Array(text.utf8)) }

    /// The SHA-256 of a file, read in 4 MiB pieces so a model of any size needs little memory.
    /// Digest of a file's bytes. Remembered for the life of the process under (path, size,
    /// modification time), so one `tollgate run` reads a 93 MB model once, not once per step.
    /// A Hugging Face model folder digests as its model files (`ModelFolderDigest`).
    public static func hexOfFile(atPath path: String) throws -> String {
        if let folder = try ModelFolderDigest.hex(atPath: path) { return folder }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = attributes.map { "\(path)|\(($0[.size] as? NSNumber)?.int64Value ?? -1)|\(($0[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1)" }
        if let stamp, let known = FileDigests.shared.digest(for: stamp) { return known }
        let digest = try computeHexOfFile(atPath: path)
        if let stamp { FileDigests.shared.remember(digest, for: stamp) }
        return digest
    }

    private static func computeHexOfFile(atPath path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CorpusError.cannotRead(path: path, reason: FileManager.default.fileExists(atPath: path)
                                         ? "it cannot be read" : "no such file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw CorpusError.cannotRead(path: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finalizeHex()
    }

    /// The generation-cache key of the store: model, adapter, decoding settings and prompt, each
    /// length-prefixed so no two different tuples share a key.
    public static func generationKey(modelSHA256: String, adapterSHA256: String?, decodingJSON: String,
                                     prompt: String) -> String {
        let fields = [modelSHA256, adapterSHA256 ?? "", decodingJSON, prompt]
        return hex(fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n"))
    }
}

/// Digests already computed in this process, keyed by path, size and modification time.
private final class FileDigests: @unchecked Sendable {
    static let shared = FileDigests()
    private var digests: [String: String] = [:]
    private let lock = NSLock()

    func digest(for stamp: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return digests[stamp]
    }

    func remember(_ digest: String, for stamp: String) {
        lock.lock(); defer { lock.unlock() }
        digests[stamp] = digest
    }
}
