import Foundation
import GRDB
import TestSupport

/// What `tollgate` promises on any input (DESIGN.md's CLI contract): it exits by itself with
/// 0, 1, 2 or 3 — never by a signal, never hanging — and a failure says so in one line on stderr.
/// Each broken promise is returned as a sentence naming the case.
enum CommandContract {
    /// Far above any command here on the fixture model; reaching it is a hang.
    static let timeLimit: TimeInterval = 120

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var timedOut: Bool
        var stderr: String
    }

    static func run(_ arguments: [String], in folder: URL) throws -> Outcome {
        let process = Process()
        process.executableURL = TollgateBinary.url
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let errorFile = folder.appendingPathComponent("stderr.txt")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errorFile.path])
        }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        defer { try? errorHandle.close() }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeLimit)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "<stderr is not UTF-8>"
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stderr: stderr)
    }

    /// The broken promises of one outcome, empty when it kept them.
    static func violations(_ outcome: Outcome, case name: String) -> [String] {
        if outcome.timedOut { return ["\(name): still running after \(Int(timeLimit)) s"] }
        if outcome.signalled { return ["\(name): killed by signal \(outcome.status); stderr: \(outcome.stderr.suffix(400))"] }
        guard [0, 1, 2, 3].contains(outcome.status) else {
            return ["\(name): exit \(outcome.status); stderr: \(outcome.stderr.suffix(400))"]
        }
        guard outcome.status >= 2 else { return [] }
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count == 1 else {
            return ["\(name): exit \(outcome.status) with \(lines.count) lines on stderr: \(outcome.stderr.prefix(600))"]
        }
        if outcome.stderr.contains("Fatal error") || outcome.stderr.contains("Stack dump") {
            return ["\(name): a trap reported as an error: \(outcome.stderr)"]
        }
        return []
    }

    /// Files a failed command must not leave behind: temporaries of atomic writes anywhere under `folder`.
    static func leftovers(in folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { path in
            let name = (path as NSString).lastPathComponent
            return name.hasSuffix(".partial") || name.hasSuffix(".tmp") || name.contains(".tmp-") || name.hasPrefix(".tollgate-tmp")
        }
    }

    /// Rows per table of the store at `path` (nil when there is no readable store), and whether
    /// SQLite finds it consistent.
    static func storeState(_ path: String) -> (rows: [String: Int], intact: Bool)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        return try? queue.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            var rows: [String: Int] = [:]
            for table in tables { rows[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0 }
            let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            return (rows, check == ["ok"] && foreignKeys.isEmpty)
        }
    }
}
