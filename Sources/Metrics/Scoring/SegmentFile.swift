import Foundation

/// Text files with one segment per line, as sacrebleu and `tollgate score` read them.
public enum SegmentFile {
    /// The lines of a UTF-8 file: split on "\n" with a trailing "\r" removed (Windows line endings),
    /// and no extra empty segment after a final newline. Invalid UTF-8 is an error naming the line.
    public static func read(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MetricsError.unreadableFile(file: path, reason: "no such file; check the path")
        }
        if isDirectory.boolValue {
            throw MetricsError.unreadableFile(file: path, reason: "it is a directory; pass a text file with one segment per line")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MetricsError.unreadableFile(file: path, reason: (error as NSError).localizedDescription)
        }
        var lines: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var lineNumber = 1
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var contentEnd = end
                if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                guard let line = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<contentEnd]), as: UTF8.self) else {
                    throw MetricsError.invalidUTF8(file: path, line: lineNumber)
                }
                lines.append(line)
                start = end + 1
                lineNumber += 1
            }
        }
        return lines
    }

    /// Python's `str.rstrip()`, which sacrebleu's command line applies to every line it reads.
    public static func rstripped(_ line: String) -> String {
        guard let last = line.unicodeScalars.last, PythonText.isSpace(last.value) else { return line }
        var scalars = line.unicodeScalars
        while let last = scalars.last, PythonText.isSpace(last.value) { scalars.removeLast() }
        return String(scalars)
    }
}
