import ArgumentParser
import Foundation
import Harness

/// `tollgate merge`: join the stores of sharded evaluations into one store.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge stores (e.g. the shards of tollgate eval --shard) into one store.",
        discussion: """
            Copies runs, evaluations, predictions, request failures, provenance and the generation \
            cache. Shards of one evaluation become one evaluation, scored again over all its \
            predictions. Merging the same stores again changes nothing. Exit 2 when two shards \
            disagree about a greedy answer (nothing is merged); exit 3 when an evaluation still lacks \
            examples (what was there is merged; rerun the named shards and merge again).
            """)

    @Option(help: "The store to merge into (created when missing).") var into: String
    @Argument(help: "Stores to merge.") var stores: [String]

    func validate() throws {
        guard !stores.isEmpty else { throw ValidationError("Pass at least one store to merge into --into.") }
    }

    func run() throws {
        let started = Date()
        let report = try reportingInvalidInput { try EvaluationMerge.merge(into: into, stores: stores) }
        let seconds = Date().timeIntervalSince(started)
        var lines = ["merged \(stores.count) store\(stores.count == 1 ? "" : "s") into \(into): "
                     + "\(report.rowsWritten) rows written in \(String(format: "%.2f", seconds)) s"]
        for joined in report.joined {
            lines.append("evaluation \(joined.evaluationID): \(joined.predictions)/\(joined.totalExamples) examples"
                         + (joined.gaps.isComplete ? ", complete" : ", incomplete"))
        }
        for id in report.copiedEvaluations { lines.append("evaluation \(id): copied (not sharded)") }
        printOutput(lines.joined(separator: "\n"))
        if let gaps = report.joined.map(\.gaps).first(where: { !$0.isComplete }) {
            printError(EvaluationMerge.incompleteMessage(store: into, gaps: gaps))
            throw ExitCode(3)
        }
    }
}
