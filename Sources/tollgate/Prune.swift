import ArgumentParser
import Foundation
import Harness
import Store

/// Pruning or auditing a path that holds no store would create an empty one and report nothing:
/// a typo must not pass for a clean store.
func requireExistingStore(_ path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else { throw MissingStore(path: path) }
}

struct MissingStore: LocalizedError {
    var path: String
    var errorDescription: String? { "there is no store at \(path); pass --store with the path of an existing tollgate.db" }
}

/// `tollgate prune --older-than 30d`: remove old prompt and output text from a store.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete the prompt, output and reference text of old predictions and reports, keeping scores and metrics.",
        discussion: """
            Kept: per-example scores, token counts, latency, the SHA-256 of each prompt and output, \
            metrics, gate decisions and report metadata, so history, trends and drift checks still \
            work. Reports rendered again say "(text pruned <date>)" where examples were quoted. \
            Cached generations older than the cutoff are deleted; the file is then vacuumed.
            """)

    @Option(help: "Prune text older than this many days, e.g. 30d (0d: everything finished so far).") var olderThan: String
    @Option(help: "SQLite store.") var store: String = "tollgate.db"

    func validate() throws {
        guard Retention.days(olderThan) != nil else {
            throw ValidationError("--older-than must be a number of days such as 30d or 0d, not '\(olderThan)'.")
        }
    }

    func run() throws {
        let summary = try reportingInvalidInput { () -> PruneSummary in
            try requireExistingStore(store)
            return try Retention.prune(storePath: store, olderThanDays: Retention.days(olderThan)!)
        }
        printOutput(Retention.describe(summary, storePath: store))
    }
}
