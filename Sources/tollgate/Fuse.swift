import ArgumentParser
import Foundation
import Training

/// `tollgate fuse`: fold an adapter into its base model and write a plain GGUF.
struct Fuse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Merge an adapter into its base model (W + scale·B·A) as a new GGUF.")

    @Option(help: "The base model (GGUF).") var model: String
    @Option(help: "The adapter: a PEFT directory or a llama.cpp LoRA .gguf.") var adapter: String
    @Option(help: "The merged model to write (.gguf).") var out: String
    @Option(help: "Tensor type for the matrices: f32, f16, q8_0, q4_0 or q4_1 (default: adapted matrices f32, the rest unchanged).") var type: String?

    func validate() throws {
        if let type, AdapterFusion.writableTypes[type] == nil {
            throw ValidationError("--type must be f32, f16, q8_0, q4_0 or q4_1.")
        }
    }

    func run() throws {
        try reportingInvalidInput {
            try AdapterFusion.fuse(model: URL(fileURLWithPath: model), adapter: adapter, output: URL(fileURLWithPath: out),
                                   type: type.flatMap { AdapterFusion.writableTypes[$0] })
            printOutput("merged model written to \(out)")
        }
    }
}
