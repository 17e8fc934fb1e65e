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
        for tensor in file.tensors { try file.dequantize(tensor, into: buffer) }
        // The shard's mapping: the one holding the embedding (read from the shard as stored).
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        let address = UInt(bitPattern: file.rawData(embedding).baseAddress!)
        #expect(try Self.residentKiB(ofMappingHolding: address) == 0)
        #endif
    }

    /// Rss of the memory mapping (smaps entry) whose address range holds `address`.
    static func residentKiB(ofMappingHolding address: UInt) throws -> Int? {
        // Read to the end: /proc files report size 0, which a whole-file read would believe.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, !range.hasSuffix(":"), range.contains("-") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, fields.first == "Rss:", fields.count > 1 {
                return Int(fields[1])
            }
        }
        return nil
    }
}
