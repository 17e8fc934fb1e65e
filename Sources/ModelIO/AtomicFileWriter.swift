import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: bytes go to a temporary file beside the target, which is fsync'ed and
/// renamed over the target on `commit()`. Until then (or if the writer is dropped) the target is
/// untouched and the temporary file is removed.
public final class AtomicFileWriter {
    public let url: URL
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false
    public private(set) var bytesWritten = 0

    public init(url: URL) throws {
        self.url = url
        let directory = url.deletingLastPathComponent().path
        var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GGUFError(file: url.path, problem: "cannot create a temporary file in \(directory) (\(String(cString: strerror(errno))))",
                            fix: "check that the directory exists and is writable")
        }
        self.fd = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        fchmod(fd, 0o644)
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write (\(String(cString: strerror(errno))))")
            }
            done += n
        }
        bytesWritten += done
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write<T: FixedWidthInteger>(littleEndian value: T) throws {
        try withUnsafeBytes(of: value.littleEndian) { try write($0) }
    }

    /// Zero bytes up to the next multiple of `alignment`.
    public func pad(to alignment: Int) throws {
        let remainder = bytesWritten % alignment
        if remainder != 0 { try write([UInt8](repeating: 0, count: alignment - remainder)) }
    }

    /// Flushes to disk and renames over the target.
    public func commit() throws {
        guard fsync(fd) == 0 else { throw failure("cannot flush to disk (\(String(cString: strerror(errno))))") }
        close(fd)
        fd = -1
        guard rename(temporaryPath, url.path) == 0 else {
            throw failure("cannot rename the temporary file over the target (\(String(cString: strerror(errno))))")
        }
        committed = true
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private func failure(_ problem: String) -> GGUFError {
        GGUFError(file: url.path, problem: problem, fix: "check free disk space and permissions, then retry")
    }
}
