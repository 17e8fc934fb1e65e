import ArgumentParser
import Foundation
import Llama
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
            let file = try GGUFFile(url: URL(fileURLWithPath: model))
            let summary = ModelSummary(gguf: file)
            // Whether the forward pass runs it, and what its family changes against Llama.
            let runs: Result<LlamaConfig, Error> = Result { try LlamaConfig(gguf: file) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                var object = try JSONSerialization.jsonObject(with: try encoder.encode(summary)) as! [String: Any]
                switch runs {
                case let .success(config): object["family_features"] = config.familyFeatures
                case let .failure(error): object["unsupported"] = error.localizedDescription
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                printOutput(String(decoding: data, as: UTF8.self))
            } else {
                var table = summary.table
                switch runs {
                case let .success(config): table += "\n" + "family".padding(toLength: 17, withPad: " ", startingAt: 0) + config.familyFeatures.joined(separator: "; ")
                case let .failure(error): table += "\n" + "runs".padding(toLength: 17, withPad: " ", startingAt: 0) + "no: " + error.localizedDescription
                }
                printOutput(table)
            }
        }
    }
}
