import Foundation
import ModelIO

public struct ReportFileError: LocalizedError {
    public let path: String
    public let reason: String

    public var errorDescription: String? {
        "cannot write the report to \(path): \(reason); choose a writable --out path"
    }
}

/// Writes reports so a reader never sees half a file: ModelIO's atomic writer (a temporary file
/// beside the target, flushed to disk, then renamed over it), with the report's own error.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        do {
            let writer = try AtomicFileWriter(url: URL(fileURLWithPath: path))
            try writer.write(Array(text.utf8))
            try writer.commit()
        } catch let error as GGUFError {
            throw ReportFileError(path: path, reason: error.problem)
        }
    }
}
