import ArgumentParser
import Foundation
import Harness
import Reports
import Store

/// `tollgate report RUN`: render a gated run's report again, in any format.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Render the report of a gated run as markdown, JSON or JUnit XML.")

    @Argument(help: "Run id (default: the newest gated run).") var runID: Int64?
    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Option(help: "md, json or junit.") var format: String = "md"
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Flag(help: "Also append the markdown to $GITHUB_STEP_SUMMARY when it is set.") var githubSummary = false

    func validate() throws {
        guard ["md", "json", "junit"].contains(format) else { throw ValidationError("--format must be md, json or junit.") }
    }

    func run() throws {
        let text = try reportingInvalidInput { () -> String in
            let database = try TollgateStore(path: store)
            guard let id = try runID ?? database.latestReportRunID(),
                  let record = try database.report(runID: id) else {
                throw ReportLookupError(store: store, run: runID)
            }
            for evaluation in try database.evaluations(runID: id) {
                try EvaluationMerge.requireComplete(store: database, evaluationID: evaluation.id!)
            }
            let input = try JSONReport.decode(Data(record.bodyJSON.utf8))
            if githubSummary { _ = try GitHubStepSummary.append(MarkdownReport.render(input)) }
            switch format {
            case "json": return try JSONReport.render(input)
            case "junit": return JUnitReport.render(input)
            default: return MarkdownReport.render(input)
            }
        }
        if let out {
            try reportingInvalidInput { try ReportFile.write(text, to: out) }
        } else {
            printOutput(text)
        }
    }
}

struct ReportLookupError: LocalizedError {
    var store: String
    var run: Int64?
    var errorDescription: String? {
        if let run { return "run \(run) in \(store) has no report; only runs of tollgate run are gated (see tollgate history --store \(store))" }
        return "\(store) holds no gated run yet; run an experiment with tollgate run first"
    }
}
