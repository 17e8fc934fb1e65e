import Foundation

/// Where a result came from, recorded with every run.
public enum GitRevision {
    /// The git commit of the working directory's checkout, with `-dirty` when it has local changes;
    /// nil outside a checkout or without git.
    public static func current(directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let head = git(["rev-parse", "HEAD"], directory: directory), !head.isEmpty else { return nil }
        let status = git(["status", "--porcelain", "--untracked-files=no"], directory: directory) ?? ""
        return status.isEmpty ? head : head + "-dirty"
    }

    private static func git(_ arguments: [String], directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// CPU time this process has used (user + system, all threads), for cost per request.
public enum ProcessClock {
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
