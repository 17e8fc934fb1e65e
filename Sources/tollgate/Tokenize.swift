import ArgumentParser
import Foundation
import ModelIO
import Tokenizer

/// `tollgate tokenize --model MODEL [--json] TEXT`: the model's token ids for a text. Special tokens
/// written in the text (`<|im_start|>`) are parsed as special tokens; BOS follows the model.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text under a GGUF model's tokenizer.")

    @Option(help: "Path to a GGUF model file.")
    var model: String

    @Flag(help: "Print {\"ids\": [...], \"tokens\": [...]} (tokens as spelled in the vocabulary).")
    var json = false

    @Argument(help: "The text to tokenize.")
    var text: String

    func run() throws {
        try reportingInvalidInput {
            let tokenizer = try TextTokenizer(gguf: GGUFFile(url: URL(fileURLWithPath: model)))
            let ids = tokenizer.encode(text)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let output = TokenizeOutput(ids: ids, tokens: ids.map(tokenizer.tokenString))
                printOutput(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                printOutput(ids.map(String.init).joined(separator: " "))
            }
        }
    }
}

private struct TokenizeOutput: Encodable {
    let ids: [Int]
    let tokens: [String]
}
