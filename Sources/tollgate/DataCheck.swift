import ArgumentParser
import Foundation
import Harness

/// `tollgate data …`: commands about datasets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Check datasets before training or evaluating on them.",
        subcommands: [DataCheckCommand.self]
    )
}

/// `tollgate data check --train F --holdout F`: leakage, duplicates, label balance, lengths.
struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Find holdout examples that leak into training, and summarise both splits.",
        discussion: """
            Leakage is a holdout input equal to a training input after lower-casing and collapsing \
            whitespace, or one whose word 3-gram shingles have a Jaccard similarity at or above the \
            threshold (default 0.8) with a training input's. Shingles shared by more than half of a \
            split's prompts (a common instruction line) are ignored. Duplicates within a split, empty \
            fields and labels missing from training are warnings. Exit codes: 0 no leakage, 1 leakage \
            found, 2 unreadable input.
            """
    )

    @Option(help: "The training set (JSONL).")
    var train: String

    @Option(help: "The holdout set (JSONL).")
    var holdout: String

    @Option(help: "Jaccard similarity of word 3-gram sets at or above which two inputs are near duplicates (0 < J ≤ 1).")
    var threshold: Double = DataCheckOptions().threshold

    @Flag(help: "Print the report as JSON instead of text.")
    var json = false

    func validate() throws {
        guard threshold > 0, threshold <= 1 else {
            throw ValidationError("--threshold must be above 0 and at most 1, for example 0.8.")
        }
    }

    func run() throws {
        let report = try reportingInvalidInput {
            var options = DataCheckOptions()
            options.threshold = threshold
            return try DataCheck.run(train: URL(fileURLWithPath: train), holdout: URL(fileURLWithPath: holdout),
                                     options: options)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            printOutput(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            printOutput(report.rendered())
        }
        if report.leakageFound { throw ExitCode(1) }
    }
}
