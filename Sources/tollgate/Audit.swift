import ArgumentParser
import Foundation
import Harness

/// `tollgate audit`: personal data left in a store; exit 1 when any is found (a CI step before a
/// store is archived or shared).
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan a store's prompts, outputs, references, cached generations and reports for personal data. Exit 1 when any is found.",
        discussion: """
            Looks for every kind `--redact` knows (email, phone, card, iban, ip, url_credentials) \
            and prints counts per kind and column with the rows they are in.
            """)

    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let audit = try reportingInvalidInput { () -> StoreAudit in
            try requireExistingStore(store)
            return try StoreAudit.scan(storePath: store)
        }
        printOutput(json ? try reportingInvalidInput { try audit.json() } : audit.rendered())
        if audit.findings > 0 { throw ExitCode(1) }
    }
}
