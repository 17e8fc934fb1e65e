import Foundation
import GRDB
import TestSupport
import Testing

/// `model:` set to a Hugging Face folder in an experiment file: `tollgate run` trains on the folder,
/// evaluates base and adapter and gates, as with a GGUF; the store knows the model by the folder
/// digest — the SHA-256 of the lines "name sha256" of its model files in name order — recomputed
/// here with coreutils' sha256sum, so a GGUF made from the folder would be another model.
struct HFFolderExperimentTests {
    static let source = Fixtures.url("families/llama3/hf")

    static func sha256sum(_ arguments: [String], input: Data? = nil) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = arguments
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { String($0.prefix(64)) }
    }

    /// The folder digest as ModelFolderDigest documents it, from the folder's files.
    static func folderDigest(_ folder: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".safetensors") || $0.hasSuffix(".json") || $0 == "tokenizer.model" || $0 == "chat_template.jinja"
        }.sorted()
        let digests = try sha256sum(names.map { folder.appendingPathComponent($0).path })
        let lines = zip(names, digests).map { "\($0) \($1)" }.joined(separator: "\n")
        return try sha256sum([], input: Data(lines.utf8))[0]
    }

    @Test func anExperimentRunsOnAFolderAndStoresItByTheFolderDigest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-hf-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("llama3-hf")
        try FileManager.default.copyItem(at: Self.source, to: model)
        func write(_ name: String, _ count: Int, offset: Int) throws {
            let lines = (0..<count).map { #"{"id": "e\#($0 + offset)", "prompt": "the model gate \#($0 + offset)", "completion": "go"}"# }
            try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("train.jsonl", 8, offset: 0)
        try write("holdout.jsonl", 4, offset: 100)
        let yaml = """
            name: hf-folder
            model: \(model.path)
            training:
              data: \(dir.path)/train.jsonl
              out: \(dir.path)/adapter
              template: raw
              rank: 4
              steps: 2
              batch_size: 4
              lr: 1.0e-2
            eval_sets:
              - name: holdout
                dataset: \(dir.path)/holdout.jsonl
                metrics: [em, chrf]
                decoding: {max_tokens: 3, template: raw}
            baseline: base
            gates:
              chrf: {max_drop: 100}
            """
        let path = dir.appendingPathComponent("experiment.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["run", path, "--store", store, "--reports", dir.appendingPathComponent("Reports").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("GO: "))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("adapter/adapter_model.safetensors").path))

        let queue = try DatabaseQueue(path: store)
        let models = try queue.read { try Row.fetchAll($0, sql: "SELECT path, sha256, architecture FROM model") }
        #expect(models.count == 1)
        #expect(models.first?["path"] as String? == model.path)
        #expect(models.first?["sha256"] as String? == (try Self.folderDigest(model)))
        #expect(models.first?["architecture"] as String? == "llama")
        let evaluations = try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM evaluation") ?? 0 }
        #expect(evaluations == 2, "base and the trained adapter")
    }
}
