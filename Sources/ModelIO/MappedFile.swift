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
    }

    /// Takes ownership of a region already mapped (`HFFolderMapping`): unmapped with this object.
    init(url: URL, region: UnsafeMutableRawPointer, count: Int) {
        self.url = url
        base = region
        bytes = UnsafeRawBufferPointer(start: region, count: count)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
