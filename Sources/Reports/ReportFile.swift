import Foundation

public struct ReportFileError: LocalizedError {
    public let path: String
    public let reason: String

    public var errorDescription: String? {
        "cannot write the report to \(path): \(reason); choose a writable --out path"
    }
}

/// Writes reports so a reader never sees half a file: a temporary file beside the target, flushed
/// to disk, then renamed over it.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw ReportFileError(path: path, reason: "the folder \(directory.path) does not exist or is not writable")
        }
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, target.path) != 0 {
                throw ReportFileError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? ReportFileError { throw error }
            throw ReportFileError(path: path, reason: error.localizedDescription)
        }
    }
}
