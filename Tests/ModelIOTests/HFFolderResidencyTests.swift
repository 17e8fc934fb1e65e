import Foundation
import ModelIO
import TestSupport
import Testing

/// Decoding a folder's tensors one after another leaves none of its shard pages resident: each
/// piece's pages are dropped with the fault-around window either side, which a read fault maps too
/// (the tiny shard is 57 pages, so a fault on any tensor maps its neighbours, already decoded).
/// Linux only: it reads this process's /proc/self/smaps.
struct HFFolderResidencyTests {
    @Test func decodingEveryTensorLeavesNoShardPageResident() throws {
        #if os(Linux)
        let file = try GGUFFile(url: Fixtures.url("families/llama3/hf"))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: file.tensors.map(\.elementCount).max() ?? 0)
        defer { buffer.deallocate() }
        // The file is kept alive through the measurement: released early, its range could be unmapped
        // and reused by another test's mapping (which the smaps entry's path would then name). The whole
        // decode is tried up to three times, for a page that something else in this process full of
        // concurrent tests mapped again; a window too small leaves pages resident every time.
        try withExtendedLifetime(file) {
            // The shard's mapping: the one holding the embedding (read from the shard as stored).
            let embedding = try #require(file.tensor(named: "token_embd.weight"))
            let address = UInt(bitPattern: file.rawData(embedding).baseAddress!)
            var attempts: [Int] = []
            for _ in 0..<3 {
                for tensor in file.tensors { try file.dequantize(tensor, into: buffer) }
                let mapping = try #require(try Self.mapping(holding: address))
                #expect(mapping.path.hasSuffix(".safetensors"), "the embedding's mapping is \(mapping.path)")
                attempts.append(mapping.residentKiB)
                if mapping.residentKiB == 0 { break }
            }
            #expect(attempts.last == 0, "KiB of the shard resident after each decode of every tensor: \(attempts)")
        }
        #endif
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
