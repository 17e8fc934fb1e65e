import Foundation
import TestSupport
import Testing

/// A Hugging Face model folder through the commands, wherever a GGUF goes: a tiny folder
/// (config.json, model.safetensors, tokenizer.json) and its own GGUF conversion give the same
/// inspection and greedy text; an adapter fuses into a GGUF that runs as folder + adapter;
/// an architecture Tollgate does not run is exit 2 naming the ones it does.
struct HFFolderCommandTests {
    static let folder = Fixtures.url("families/gemma3/hf").path
    static let gguf = Fixtures.url("families/gemma3/model.gguf").path

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test func inspectOfTheFolderNamesTheSameFamilyAsItsGGUF() throws {
        let folder = try TollgateBinary.run(["inspect", "--json", Self.folder])
        let gguf = try TollgateBinary.run(["inspect", "--json", Self.gguf])
        #expect(folder.status == 0, "\(folder.stderr)")
        let ours = try Self.json(folder.stdout), theirs = try Self.json(gguf.stdout)
        #expect(ours["family_features"] as? [String] == theirs["family_features"] as? [String])
        #expect(ours["architecture"] as? String == "gemma3")
    }

    /// Llama's: its GGUF puts a space before the text as its tokenizer.json does (Gemma's GGUF does not).
    @Test func generateFromTheFolderEqualsTheGGUF() throws {
        let arguments = ["--max-tokens", "12", "--json", "the model gate"]
        let folder = try TollgateBinary.run(["generate", "--model", Fixtures.url("families/llama3/hf").path] + arguments)
        let gguf = try TollgateBinary.run(["generate", "--model", Fixtures.url("families/llama3/model.gguf").path] + arguments)
        #expect(folder.status == 0, "\(folder.stderr)")
        let ids = try Self.json(folder.stdout)["ids"] as? [Int], expected = try Self.json(gguf.stdout)["ids"] as? [Int]
        #expect(ids != nil && ids == expected)
    }

    @Test func fusedFolderAndAdapterRunAsTheFolderWithTheAdapter() throws {
        let adapter = Fixtures.url("families/gemma3/lora").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-hf-fused-\(UUID()).gguf")
        defer { try? FileManager.default.removeItem(at: out) }
        let fuse = try TollgateBinary.run(["fuse", "--model", Self.folder, "--adapter", adapter, "--out", out.path])
        #expect(fuse.status == 0, "\(fuse.stderr)")
        let arguments = ["--max-tokens", "12", "--top-logits", "5", "--json", "the model gate"]
        let fused = try Self.json(TollgateBinary.run(["generate", "--model", out.path] + arguments).stdout)
        let adapted = try Self.json(TollgateBinary.run(["generate", "--model", Self.folder, "--adapter", adapter] + arguments).stdout)
        #expect(fused["ids"] as? [Int] != nil && fused["ids"] as? [Int] == adapted["ids"] as? [Int])
        let a = (fused["top_logits"] as? [[Double]] ?? []).map { $0[1] }, b = (adapted["top_logits"] as? [[Double]] ?? []).map { $0[1] }
        #expect(a.count == 5 && zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 }, "\(a) vs \(b)")
    }

    @Test func unsupportedArchitecturesAreExitTwoNamingTheSupportedOnes() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-hf-mamba-\(UUID())")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(atPath: Self.folder, toPath: copy.path)
        let config = copy.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        object["architectures"] = ["MambaForCausalLM"]
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        let result = try TollgateBinary.run(["generate", "--model", copy.path, "--max-tokens", "2", "hi"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("MambaForCausalLM"))
        #expect(result.stderr.contains("Gemma3ForCausalLM, LlamaForCausalLM, Phi3ForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, SmolLM3ForCausalLM"))
    }
}
