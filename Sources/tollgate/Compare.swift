import ArgumentParser
import Foundation
import Harness
import Reports

/// `tollgate compare`: stored evaluations side by side, the first as the paired tests' baseline.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two or more stored evaluations of the same holdout (model swaps).",
        discussion: """
            Evaluate each model, adapter or quantization with tollgate eval on the same holdout and \
            decoding settings, then pass the evaluation ids (tollgate history lists them). The first is \
            the baseline: the others get paired bootstrap p-values against it.
            """)

    @Argument(help: "Evaluation ids; the first is the baseline.") var evaluations: [Int64]
    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Flag(help: "Print JSON instead of markdown.") var json = false
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func validate() throws {
        guard evaluations.count >= 2 else { throw ValidationError("Pass at least two evaluation ids, the baseline first.") }
    }

    func run() throws {
        let text = try reportingInvalidInput { () -> String in
            let input = try ModelComparison.compare(storePath: store, evaluationIDs: evaluations)
            return json ? try ComparisonReport.json(input) : ComparisonReport.markdown(input)
        }
        if let out { try reportingInvalidInput { try ReportFile.write(text, to: out) } } else { printOutput(text) }
    }
}
