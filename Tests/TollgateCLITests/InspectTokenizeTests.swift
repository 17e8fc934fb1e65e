import Foundation
import Testing
import TestSupport

/// `tollgate inspect` and `tollgate tokenize`, run as a user would.
struct InspectTokenizeTests {
    private func jsonObject(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil, "the SmolLM2 model is not downloaded (make setup)"))
    func inspectReportsSmolLM2Architecture() throws {
        let model = try #require(Fixtures.smolLM2)
        let result = try TollgateBinary.run(["inspect", model.path, "--json"])
        #expect(result.status == 0)
        let summary = try jsonObject(result.stdout)
        #expect(summary["architecture"] as? String == "llama")
        #expect(summary["layers"] as? Int == 30)
        #expect(summary["embedding_length"] as? Int == 576)
        #expect(summary["heads"] as? Int == 9)
        #expect(summary["kv_heads"] as? Int == 3)
        #expect(summary["feed_forward_length"] as? Int == 1536)
        #expect(summary["vocab_size"] as? Int == 49152)
        #expect(summary["context_length"] as? Int == 8192)
        #expect(summary["rope_freq_base"] as? Double == 100000)
        #expect(summary["rms_norm_epsilon"] as? Double == 1e-5)
        #expect(summary["tied_embeddings"] as? Bool == true)
        #expect(summary["tensor_types"] as? [String: Int] == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        #expect(summary["tensor_count"] as? Int == 272)
        #expect(summary["parameter_count"] as? Int == 134_515_008)
        #expect(summary["file_size_bytes"] as? Int == 98_362_432)
        #expect(summary["chat_template"] as? String == "chatml")
        #expect(summary["template_used"] as? String == "tokenizer.chat_template (Jinja)")
        let tokenizer = try #require(summary["tokenizer"] as? [String: Any])
        #expect(tokenizer["model"] as? String == "gpt2")
        #expect(tokenizer["pre"] as? String == "smollm")
        #expect(tokenizer["bos_id"] as? Int == 1)
        #expect(tokenizer["eos_id"] as? Int == 2)
        #expect(tokenizer["add_bos"] as? Bool == false)
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil, "the SmolLM2 model is not downloaded (make setup)"))
    func inspectTableIsAlignedAndNamesTheFacts() throws {
        let model = try #require(Fixtures.smolLM2)
        let result = try TollgateBinary.run(["inspect", model.path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let rows = Dictionary(lines.map { line -> (String, String) in
            let parts = line.components(separatedBy: "  ").filter { !$0.isEmpty }
            return (parts.first ?? "", parts.dropFirst().joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
        #expect(rows["architecture"] == "llama")
        #expect(rows["layers"] == "30")
        #expect(rows["width"] == "576")
        #expect(rows["heads"] == "9")
        #expect(rows["KV heads"] == "3")
        #expect(rows["FFN"] == "1536")
        #expect(rows["vocab"] == "49152")
        #expect(rows["tied embeddings"] == "yes (no output.weight)")
        #expect(rows["tensors"] == "272: Q4_1 × 210, F32 × 61, Q8_0 × 1")
        #expect(rows["chat template"] == "ChatML")
        #expect(rows["family"] == "RoPE base 100000.0; q/k rows permuted in the GGUF")
        #expect(rows["template used"] == "tokenizer.chat_template (Jinja)")
        // Every value starts in the same column: two spaces after the longest key.
        #expect(lines.count == 21)
        let column = (rows.keys.map(\.count).max() ?? 0) + 2
        for line in lines {
            let characters = Array(line)
            #expect(characters.count > column && characters[column - 1] == " " && characters[column] != " ", "\(line)")
        }
    }

    @Test func inspectTinyLlamaCountsEveryTensorType() throws {
        let result = try TollgateBinary.run(["inspect", Fixtures.url("tiny-llama.gguf").path, "--json"])
        #expect(result.status == 0)
        let summary = try jsonObject(result.stdout)
        #expect(summary["tensor_types"] as? [String: Int]
                == ["F32": 6, "Q8_0": 4, "Q4_1": 2, "Q4_0": 2, "F16": 2, "BF16": 2, "Q5_0": 1, "Q5_1": 1])
        #expect(summary["parameter_count"] as? Int == 1_591_456)
        #expect(summary["layers"] as? Int == 2)
        #expect(summary["kv_heads"] as? Int == 2)
    }

    @Test func inspectOnGarbageExitsTwoWithOneLine() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        let result = try TollgateBinary.run(["inspect", url.path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("tollgate: \(url.path): "))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func tokenizeParsesSpecialTokensInTheText() throws {
        let result = try TollgateBinary.run(["tokenize", "--model", Fixtures.url("tiny-llama.gguf").path,
                                             "<|im_start|>user\nhi<|im_end|>\n"])
        #expect(result.status == 0)
        #expect(result.stdout == "1 4093 198 6004 2 198\n")
    }

    @Test func tokenizeJSONListsIdsAndTokens() throws {
        let result = try TollgateBinary.run(["tokenize", "--model", Fixtures.url("tiny-llama.gguf").path, "--json",
                                             "Hello world"])
        #expect(result.status == 0)
        #expect(result.stdout == "{\"ids\":[19556,905],\"tokens\":[\"Hello\",\"Ġworld\"]}\n")
    }

    @Test func tokenizeWithMissingModelExitsTwo() throws {
        let result = try TollgateBinary.run(["tokenize", "--model", "/nonexistent/model.gguf", "hi"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/model.gguf"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
