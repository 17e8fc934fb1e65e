import Foundation
import TestSupport
import Testing

/// Every committed fuzz input (seeds and the regression inputs of fixed findings, Fuzz/corpus/<target>/)
/// through the plain build of `tollgate-fuzz`, which runs each target's checks without libFuzzer:
/// a finding that comes back fails `swift test` even where the sanitizer build is not run.
@Suite struct FuzzCorpusReplayTests {
    static let root = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
    static let targets = ["gguf", "quant-blocks", "safetensors", "adapter", "tokenizer", "jsonl", "experiment", "sse",
                          "chat-json", "template", "report", "store"]

    @Test(arguments: FuzzCorpusReplayTests.targets)
    func committedInputsReplayWithoutAFinding(_ target: String) throws {
        let binary = TollgateBinary.url.deletingLastPathComponent().appendingPathComponent("tollgate-fuzz")
        let corpus = Self.root.appendingPathComponent("Fuzz/corpus/\(target)")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).count
        let process = Process()
        process.executableURL = binary
        process.arguments = [target, corpus.path]
        process.currentDirectoryURL = Self.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text.suffix(2000))")
        #expect(text.contains("replayed \(inputs) inputs without a finding"), "\(text.suffix(500))")
    }
}
