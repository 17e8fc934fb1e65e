import ArgumentParser
import Harness

/// `tollgate history`: list runs and evaluations, or show one evaluation's metrics and worst examples.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List runs and evaluations, or show one evaluation.")

    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Option(help: "Runs to list, newest first.") var limit: Int = 20
    @Option(help: "Show this evaluation's metrics and worst examples.") var evaluation: Int64?
    @Option(help: "Rank the worst examples by this metric (default: the first quality metric).") var metric: String?
    @Option(help: "Worst examples to show.") var worst: Int = 10

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
        guard worst >= 0 else { throw ValidationError("--worst must be 0 or more.") }
    }

    func run() throws {
        let text = try reportingInvalidInput {
            if let evaluation {
                return try History.evaluation(storePath: store, id: evaluation, metric: metric, worst: worst)
            }
            return try History.runs(storePath: store, limit: limit)
        }
        printOutput(text)
    }
}
