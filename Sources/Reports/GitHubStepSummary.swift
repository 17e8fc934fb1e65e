import Foundation

public struct GitHubStepSummaryError: LocalizedError {
    public let path: String
    public let reason: String

    public var errorDescription: String? {
        "cannot append the report to $GITHUB_STEP_SUMMARY (\(path)): \(reason); check that the runner set a writable path"
    }
}

/// Appends a markdown report to the file GitHub Actions names in `$GITHUB_STEP_SUMMARY`.
public enum GitHubStepSummary {
    /// Appends `markdown` (and a blank line) when the variable is set and not empty; returns the path
    /// written, or nil when the variable is unset. Appending is what GitHub expects: each step adds
    /// to the summary other steps began.
    @discardableResult
    public static func append(_ markdown: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return nil }
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil) else {
                throw GitHubStepSummaryError(path: path, reason: "the file cannot be created")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw GitHubStepSummaryError(path: path, reason: "the file cannot be opened for writing")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((markdown.hasSuffix("\n") ? markdown : markdown + "\n").utf8))
            try handle.write(contentsOf: Data("\n".utf8))
            try handle.synchronize()
        } catch {
            throw GitHubStepSummaryError(path: path, reason: error.localizedDescription)
        }
        return path
    }
}
