import ArgumentParser
import Foundation
import Harness
import Reports

/// `tollgate run EXPERIMENT.yaml`: baseline → training → candidate → gate → reports; exit 0 GO, 1 NO-GO.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment: evaluate, train, gate and report. Exit 0 on GO, 1 on NO-GO.")

    @Argument(help: "Experiment file (YAML).") var experiment: String
    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Option(help: "Folder for the markdown, JSON and JUnit reports.") var reports: String = "Reports"
    @Flag(help: "Also append the markdown report to $GITHUB_STEP_SUMMARY when it is set.") var githubSummary = false
    @Option(help: "Run the drill of this name (under drills:): its route, with the injected failures, is gated beside the undisturbed one and decides the run.")
    var drill: String?

    func run() throws {
        let outcome = try reportingInvalidInput {
            try ExperimentRunner.run(experimentPath: experiment, storePath: store, reportsDirectory: reports,
                                     commandLine: CommandLine.arguments.joined(separator: " "), drill: drill) { printOutput($0) }
        }
        if githubSummary {
            _ = try reportingInvalidInput { try GitHubStepSummary.append(MarkdownReport.render(outcome.report)) }
        }
        printOutput("\(outcome.decision.verdict.rawValue): \(outcome.decision.why)")
        for path in outcome.reportPaths { printOutput("report: \(path)") }
        if outcome.decision.verdict == .noGo { throw ExitCode(1) }
    }
}
