import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One address range holding every safetensors shard of a model folder, each memory-mapped
/// read-only at a page boundary, followed by an anonymous writable tail for the few tensors that
/// must change on the way to GGUF's conventions (Gemma's norms + 1, Llama's permuted q/k rows,
/// rotary factors computed from config.json). Layout, in pages:
///     [shard 0][shard 1]…[shard n−1][tail]
/// Offsets into the range are what the assembled `GGUFFile`'s tensor table holds.
struct HFFolderMapping {
    let region: UnsafeMutableRawPointer
    let count: Int
    /// Where each shard's first byte sits in the range.
    let shardOffsets: [Int]
    /// Where the writable tail starts.
    let tailOffset: Int

    static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    static func roundUp(_ n: Int) -> Int { (n + pageSize - 1) / pageSize * pageSize }

    /// Maps `shards` (their sizes known) and `tailBytes` of zeroed memory; the caller hands the
    /// region to a `MappedFile`, which unmaps it.
    init(shards: [(url: URL, size: Int)], tailBytes: Int, folder: URL) throws {
        var offsets: [Int] = []
        var total = 0
        for shard in shards {
            offsets.append(total)
            total += Self.roundUp(shard.size)
        }
        tailOffset = total
        total += Self.roundUp(max(tailBytes, 1))
        func failure(_ what: String) -> GGUFError {
            GGUFError(file: folder.path, problem: "cannot map \(what) into memory (\(String(cString: strerror(errno))))",
                      fix: "check free address space and that the files are readable")
        }
        // Reserve the whole range first so the pieces land next to each other.
        guard let reserved = mmap(nil, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              reserved != MAP_FAILED else { throw failure("\(total) bytes") }
        do {
            for (shard, offset) in zip(shards, offsets) where shard.size > 0 {
                let fd = open(shard.url.path, O_RDONLY)
                guard fd >= 0 else { throw failure(shard.url.lastPathComponent) }
                defer { close(fd) }
                guard mmap(reserved + offset, shard.size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) != MAP_FAILED else {
                    throw failure(shard.url.lastPathComponent)
                }
            }
            guard mmap(reserved + tailOffset, total - tailOffset, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != MAP_FAILED else {
                throw failure("the converted tensors")
            }
        } catch {
            munmap(reserved, total)
            throw error
        }
        region = reserved
        count = total
        shardOffsets = offsets
    }
}
