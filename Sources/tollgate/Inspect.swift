import ArgumentParser
import Foundation
import ModelIO
import Tokenizer

/// `tollgate inspect MODEL [--json]`: what a GGUF model is, without loading its weights.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a GGUF model's architecture, dimensions, tensor types, tokenizer and chat template.")

    @Argument(help: "Path to a GGUF model file.")
    var model: String

    @Flag(help: "Print JSON with snake_case keys instead of a table.")
    var json = false

    func run() throws {
        try reportingInvalidInput {
            let summary = ModelSummary(gguf: try GGUFFile(url: URL(fileURLWithPath: model)))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printOutput(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                printOutput(summary.table)
            }
        }
    }
}
