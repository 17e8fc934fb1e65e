import Foundation

/// A per-process scratch folder (in /dev/shm when there is one) where each input is written to the
/// path the library opens, because the commands hand the parsers paths, not bytes.
enum ScratchFile {
    static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("tollgate-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `data` to `name` in the scratch folder (replacing what was there) and returns its URL.
    static func write(_ data: Data, named name: String) -> URL {
        let url = folder.appendingPathComponent(name)
        if !FileManager.default.createFile(atPath: url.path, contents: data) {
            PropertyViolation.fail("scratch", "cannot write \(url.path)")
        }
        return url
    }

    /// A fresh empty sub-folder (a PEFT adapter directory, a store's folder).
    static func emptyFolder(_ name: String) -> URL {
        let url = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeAll() { try? FileManager.default.removeItem(at: folder) }
}
