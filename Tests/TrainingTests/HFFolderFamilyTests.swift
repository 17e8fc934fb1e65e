import Foundation
import Llama
import ModelIO
import TensorKit
import TestSupport
import Testing
import Training

/// Each family's tiny random model read from the folder transformers saved (config.json,
/// model.safetensors, tokenizer.json) instead of its GGUF: the same family description, logits
/// and greedy tokens of transformers, LoRA gradients of torch.
struct HFFolderFamilyTests {
    static func folder(_ family: String) -> URL { Fixtures.url("families/\(family)/hf") }

    @Test(arguments: FamilyFixture.families)
    func folderConfigEqualsItsGGUFConversion(family: String) throws {
        var fromFolder = try LlamaConfig(gguf: try GGUFFile(url: Self.folder(family)))
        let fromGGUF = try LlamaConfig(gguf: try GGUFFile(url: try FamilyFixture(family).modelURL))
        // Llama 3's rotary divisors: ours in double precision, the converter's in float32 torch.
        for (index, table) in fromGGUF.family.rope.enumerated() {
            guard let theirs = table.factors, let ours = fromFolder.family.rope[index].factors else { continue }
            #expect(zip(ours, theirs).allSatisfy { abs($0 - $1) <= 1e-6 * $1 }, "\(family): rotary factors \(ours) vs \(theirs)")
            fromFolder.family.rope[index].factors = theirs
        }
        #expect(fromFolder == fromGGUF, "\(family)")
    }

    @Test(arguments: FamilyFixture.families)
    func folderLogitsMatchTransformersAndTheGGUF(family: String) throws {
        let fixture = try FamilyFixture(family)
        let folder = try LlamaModel.load(url: Self.folder(family))
        let gguf = try LlamaModel.load(url: fixture.modelURL)
        for (index, prompt) in fixture.prompts.enumerated() {
            let ids = FamilyFixture.ids(prompt)
            let logits = try folder.logits(tokens: ids)
            let ours = Array(UnsafeBufferPointer(start: logits.pointer, count: logits.rows * logits.cols))
            let worst = FamilyFixture.worstDifference(ours, FamilyFixture.logits(prompt), positions: FamilyFixture.positions(prompt))
            #expect(worst < 1e-5, "\(family) prompt \(index): logits differ from transformers by \(worst)")
            let converted = try gguf.logits(tokens: ids)
            let gap = zip(ours, UnsafeBufferPointer(start: converted.pointer, count: ours.count)).map { abs($0 - $1) }.max() ?? 0
            #expect(gap < 1e-5, "\(family) prompt \(index): folder and GGUF differ by \(gap)")
        }
    }

    @Test(arguments: FamilyFixture.families)
    func folderLoRAGradientsMatchTorch(family: String) throws {
        let fixture = try FamilyFixture(family)
        let model = try LoRATrainingModel(modelURL: Self.folder(family))
        let lora = try PEFTAdapter.load(directory: Fixtures.url("families/\(family)/lora"), shape: model.config)
        let reference = fixture.lora
        let ids = FamilyFixture.ids(reference).map(Int32.init)
        let promptTokens = (reference["prompt_tokens"] as! NSNumber).intValue
        let targets = (0..<ids.count).map { t in t + 1 < ids.count && t + 1 >= promptTokens ? ids[t + 1] : -1 }
        let lossTokens = targets.filter { $0 >= 0 }.count
        let worst = FamilyFixture.worstDifference(try model.logits(tokens: ids, lora: lora), FamilyFixture.logits(reference))
        #expect(worst < 1e-4, "\(family): PEFT logits differ by \(worst)")
        var gradients = lora.zeros()
        _ = try model.accumulateGradients(tokens: ids, targets: targets, batch: 1, time: ids.count, lora: lora,
                                          gradients: &gradients, gradScale: 1 / Float(lossTokens))
        let expected = try SafeTensors.read(url: Fixtures.url("families/\(family)/lora-grads.safetensors"))
        try FamilyFixture.expectGradientsMatchTorch(gradients, expected: expected, family: family)
    }
}
