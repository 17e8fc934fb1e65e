import ArgumentParser
import Foundation
import Training

/// `tollgate export`: convert an adapter to PEFT layout or to a llama.cpp LoRA GGUF.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write an adapter in PEFT layout or as a llama.cpp LoRA GGUF.")

    @Option(help: "The adapter: a PEFT directory or a llama.cpp LoRA .gguf.") var adapter: String
    @Option(help: "peft (a directory) or gguf (a file).") var format: String
    @Option(help: "Where to write it.") var out: String
    @Option(help: "The base model GGUF; needed to reorder q/k rows when converting between formats.") var model: String?

    func validate() throws {
        guard AdapterFormat(rawValue: format) != nil else { throw ValidationError("--format must be peft or gguf.") }
    }

    func run() throws {
        try reportingInvalidInput {
            try AdapterFusion.export(adapter: adapter, model: model.map { URL(fileURLWithPath: $0) },
                                     format: AdapterFormat(rawValue: format)!, output: URL(fileURLWithPath: out))
            printOutput("adapter written to \(out)")
        }
    }
}
