import Foundation
import ModelIO
import TestSupport
import Testing

/// Decoding a folder's tensors one after another leaves none of its shard pages resident: each
/// piece's pages are dropped with every page a read fault may have mapped beside them.
///
/// The folder is first copied by writing each file at once, as a fresh clone's checkout does: since
/// Linux 6.18 a read fault maps the whole large folio of the page cache holding the page (ext4 caches
/// a file written in one write in folios of up to 2 MiB), not only the 64 KiB fault-around window,
/// and a shard read back from the page cache of a long-lived checkout behaves differently. Dropping
/// the 64 KiB window either side of each piece left 8 KiB of the shard resident in such a copy.
/// Linux only: it reads this process's /proc/self/smaps.
struct HFFolderResidencyTests {
    @Test func decodingEveryTensorLeavesNoShardPageResident() throws {
        #if os(Linux)
        let folder = try Self.freshlyWrittenCopy(of: Fixtures.url("families/llama3/hf"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try GGUFFile(url: folder)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: file.tensors.map(\.elementCount).max() ?? 0)
        defer { buffer.deallocate() }
        // The file is kept alive through the measurement: released early, its range could be unmapped
        // and reused by another test's mapping (which the smaps entry's path would then name).
        try withExtendedLifetime(file) {
            // The shard's mapping: the one holding the embedding (read from the shard as stored).
            let embedding = try #require(file.tensor(named: "token_embd.weight"))
            let address = UInt(bitPattern: file.rawData(embedding).baseAddress!)
            for tensor in file.tensors { try file.dequantize(tensor, into: buffer) }
            let mapping = try #require(try Self.mapping(holding: address))
            #expect(mapping.path.hasSuffix("model.safetensors"), "the embedding's mapping is \(mapping.path)")
            #expect(mapping.residentKiB == 0, "KiB of the shard resident after decoding every tensor")
        }
        #endif
    }

    /// A copy of `folder` in a new temporary directory, each file written with one write.
    static func freshlyWrittenCopy(of folder: URL) throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("residency-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            try Data(contentsOf: folder.appendingPathComponent(name)).write(to: copy.appendingPathComponent(name))
        }
        return copy
    }

    /// The file path (empty when anonymous) and Rss of the memory mapping (smaps entry) whose address
    /// range holds `address`.
    static func mapping(holding address: UInt) throws -> (path: String, residentKiB: Int)? {
        // Read to the end: /proc files report size 0, which a whole-file read would believe.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var path: String?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            if let range = fields.first, !range.hasSuffix(":"), range.contains("-") {
                // "start-end perms offset device inode [path]"
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                let holds = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
                path = holds ? (fields.count > 5 ? fields[5].trimmingCharacters(in: .whitespaces) : "") : nil
            } else if let path, fields.first == "Rss:", fields.count > 1, let kiB = Int(fields[1]) {
                return (path, kiB)
            }
        }
        return nil
    }
}
