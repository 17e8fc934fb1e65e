import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file; the bytes stay valid until the object is released.
final class MappedFile: @unchecked Sendable {
    let url: URL
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?
    /// Byte ranges backed by files, whose resident pages may be dropped and read again on use.
    private var fileBacked: [Range<Int>] = []

    init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw GGUFError(file: url.path, problem: "cannot open the file (\(reason))",
                            fix: "check the path and that the file is readable")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(file: url.path, problem: "not a regular file", fix: "pass the path of a model file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            throw GGUFError(file: url.path, problem: "cannot map the file into memory (\(reason))",
                            fix: "check free address space and that the file is readable")
        }
        base = pointer
        bytes = UnsafeRawBufferPointer(start: pointer, count: size)
        fileBacked = [0..<size]
    }

    /// Takes ownership of a region already mapped (`HFFolderMapping`): unmapped with this object.
    /// `fileBacked`: the page-aligned ranges mapped from files (the rest is anonymous memory).
    init(url: URL, region: UnsafeMutableRawPointer, count: Int, fileBacked: [Range<Int>]) {
        self.url = url
        base = region
        bytes = UnsafeRawBufferPointer(start: region, count: count)
        self.fileBacked = fileBacked
    }

    /// Drops the file-backed pages from this process's resident set (MADV_DONTNEED on a read-only
    /// private file mapping): the next read of them maps the page cache again, so nothing changes
    /// but the resident size after the weights have been copied out.
    func releaseResidentPages() {
        for range in fileBacked { release(range) }
    }

    /// The same for the file-backed pages that overlap `range` (a tensor just copied out) and every
    /// other page a read fault in `range` may have mapped: those in the page-table spans
    /// (`pageTableSpan`, aligned in memory) that hold `range`. A read fault maps pages only within
    /// the page table of the address it touched: the `fault_around_bytes` window (64 KiB by default)
    /// or, since Linux 6.18, the whole large folio of the page cache holding the page (ext4 caches a
    /// file written in one write in folios of up to 2 MiB). Dropping only `range` left ~13 MB of
    /// SmolLM2's shards resident; dropping 64 KiB either side still left pages of such folios.
    /// A page dropped that another thread still reads is simply mapped again from the page cache.
    func releaseResidentPages(overlapping range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let span = Self.pageTableSpan, address = Int(bitPattern: base)
        let start = (address + range.lowerBound) / span * span - address
        let end = ((address + range.upperBound + span - 1) / span) * span - address
        for backed in fileBacked where backed.overlaps(start..<end) { release(backed.clamped(to: start..<end)) }
    }

    /// The memory one page table maps: a page of 8-byte entries, each mapping a page (2 MiB with
    /// 4 KiB pages, the size of a PMD huge page).
    static let pageTableSpan: Int = {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return page * (page / 8)
    }()

    /// Whether pages are released tensor by tensor as they are read (a model folder's shards).
    var releasesWhileReading: Bool { fileBacked.count > 1 || fileBacked.first?.count != bytes.count }

    private func release(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page, end = min((range.upperBound + page - 1) / page * page, bytes.count)
        _ = madvise(base + start, end - start, Int32(MADV_DONTNEED))
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
