import Foundation
import TestSupport
import Testing

/// A PEFT adapter trained elsewhere, evaluated as-is: each family's tiny folder with the LoRA that
/// PyTorch + PEFT trained on it (r 8 on q and v, phi3's fused qkv, a few AdamW steps, so B is not
/// zero; `Tests/Interop/train_peft_on_folder.py`), run the way a user would —
/// `tollgate generate --model DIR --adapter DIR --top-logits 320 --json PROMPT` — gives PEFT's logits
/// over the whole vocabulary at the last prompt position within 1e-4, from the same number of tokens.
struct HFFolderTrainedAdapterTests {
    static let families = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]

    /// peft-trained.json: {"prompts": [{"text", "input_ids", "logits": [320 floats]}], "adapter_effect", …}.
    static func reference(_ family: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Fixtures.url("families/\(family)/peft-trained.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test(arguments: families)
    func trainedPEFTAdapterGivesPEFTLogits(family: String) throws {
        let reference = try Self.reference(family)
        let prompts = reference["prompts"] as? [[String: Any]] ?? []
        #expect(prompts.count == 3)
        // The adapter was trained: it moves PEFT's logits, so agreeing with PEFT is not agreeing with the base.
        #expect((reference["adapter_effect"] as? Double ?? 0) > 1)
        for prompt in prompts {
            let text = prompt["text"] as? String ?? "", expected = prompt["logits"] as? [Double] ?? []
            let result = try TollgateBinary.run([
                "generate", "--model", Fixtures.url("families/\(family)/hf").path,
                "--adapter", Fixtures.url("families/\(family)/peft-trained").path,
                "--max-tokens", "1", "--top-logits", "\(expected.count)", "--json", text,
            ])
            #expect(result.status == 0, "\(family): \(result.stderr)")
            let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(output["prompt_tokens"] as? Int == (prompt["input_ids"] as? [Int])?.count, "\(family) \(text)")
            let ours = output["top_logits"] as? [[Double]] ?? []
            #expect(ours.count == expected.count, "\(family) \(text)")
            let worst = ours.map { abs($0[1] - expected[Int($0[0])]) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(family) \(text): logits differ from PEFT's by \(worst)")
        }
    }
}
