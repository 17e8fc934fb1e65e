import Foundation
import Llama
import ModelIO
import TensorKit
import TestSupport
import Testing
import Training

/// One tiny random model per family (Tests/Fixtures/families, made by
/// Tests/Interop/make_family_fixtures.py with transformers, PEFT and llama.cpp's converters): its
/// GGUF run by Tollgate against transformers' float32 logits, greedy tokens, LoRA loss and gradients.
struct FamilyFixture {
    static let families = ["llama3", "gemma3", "qwen2", "qwen3", "phi3", "smollm3"]

    let name: String
    let golden: [String: Any]

    init(_ name: String) throws {
        self.name = name
        golden = try Fixtures.json("families/\(name)/golden.json")
    }

    var modelURL: URL { Fixtures.url("families/\(name)/model.gguf") }
    var prompts: [[String: Any]] { golden["prompts"] as! [[String: Any]] }
    var lora: [String: Any] { golden["lora"] as! [String: Any] }

    /// Every module's A and B gradient within 1e-4 (relative to the largest) of torch's in `expected`
    /// (PEFT's keys, fused modules under their own names).
    static func expectGradientsMatchTorch(_ gradients: LoRAParameters, expected: SafeTensorsFile, family: String) throws {
        for module in gradients.modules {
            for isA in [true, false] {
                let key = module.peftKey(isA: isA)
                let torch = try expected.floats(key)
                let ours = isA ? gradients.a(module) : gradients.b(module)
                let scale = torch.map(abs).max() ?? 1
                let difference = zip(ours, torch).map { abs($0 - $1) }.max() ?? 0
                #expect(ours.count == torch.count && difference / scale < 1e-4, "\(family) \(key): relative difference \(difference / scale)")
            }
        }
    }

    static func ids(_ record: [String: Any]) -> [Int] { (record["input_ids"] as! [NSNumber]).map(\.intValue) }
    static func logits(_ record: [String: Any]) -> [[Float]] { (record["logits"] as! [[NSNumber]]).map { $0.map(\.floatValue) } }

    /// The largest |ours − golden| over every stored position and vocabulary entry; ours (T, V)
    /// row-major. `positions`: which rows of ours the golden rows are (all, in order, when nil).
    static func worstDifference(_ ours: [Float], _ golden: [[Float]], positions: [Int]? = nil) -> Float {
        var worst: Float = 0
        let vocabulary = golden[0].count
        for (index, row) in golden.enumerated() {
            let t = positions?[index] ?? index
            for (v, value) in row.enumerated() { worst = max(worst, abs(ours[t * vocabulary + v] - value)) }
        }
        return worst
    }

    /// The positions a prompt's stored logits are for (phi3's long prompt keeps only its last few).
    static func positions(_ record: [String: Any]) -> [Int]? { (record["logits_positions"] as? [NSNumber])?.map(\.intValue) }
}

struct FamilyGoldenTests {
    @Test(arguments: FamilyFixture.families)
    func configurationIsReadFromTheGGUF(family: String) throws {
        let fixture = try FamilyFixture(family)
        let reference = fixture.golden["config"] as! [String: Any]
        let config = try LlamaConfig(gguf: try GGUFFile(url: fixture.modelURL))
        #expect(config.headDim == (reference["head_dim"] as! NSNumber).intValue)
        #expect(config.layers == (reference["num_hidden_layers"] as! NSNumber).intValue)
        #expect(config.tiedEmbeddings == (reference["tie_word_embeddings"] as! Bool))
        if let layerTypes = reference["layer_types"] as? [String] {
            #expect(config.family.layers.map { $0.window != nil } == layerTypes.map { $0 == "sliding_attention" })
        }
        if let ropeLayers = reference["rope_layers"] as? [Bool] {
            #expect(config.family.layers.map { $0.rope != nil } == ropeLayers)
        }
    }

    @Test(arguments: FamilyFixture.families)
    func logitsMatchTransformers(family: String) throws {
        let fixture = try FamilyFixture(family)
        let model = try LlamaModel.load(url: fixture.modelURL)
        for (index, prompt) in fixture.prompts.enumerated() {
            let logits = try model.logits(tokens: FamilyFixture.ids(prompt))
            let worst = FamilyFixture.worstDifference(Array(UnsafeBufferPointer(start: logits.pointer, count: logits.rows * logits.cols)),
                                                      FamilyFixture.logits(prompt), positions: FamilyFixture.positions(prompt))
            let argmax = (prompt["argmax"] as! [NSNumber]).map(\.intValue)
            let ours = (0..<logits.rows).map { t in (0..<logits.cols).max { logits.pointer[t * logits.cols + $0] < logits.pointer[t * logits.cols + $1] }! }
            #expect(ours == argmax, "\(family) prompt \(index): top tokens")
            #expect(worst < 1e-4, "\(family) prompt \(index) (\(FamilyFixture.ids(prompt).count) tokens): logits differ by \(worst)")
        }
    }

    /// 32 greedy tokens through the KV cache (decode steps, sliding windows over cached keys), alone
    /// and batched with the other prompts.
    @Test(arguments: FamilyFixture.families)
    func greedyTokensMatchTransformers(family: String) throws {
        let fixture = try FamilyFixture(family)
        let greedy = fixture.golden["greedy"] as! [String: Any]
        let expected = (greedy["ids"] as! [NSNumber]).map(\.intValue)
        let prompt = FamilyFixture.ids(fixture.prompts[(greedy["prompt"] as! NSNumber).intValue])
        let model = try LlamaModel.load(url: fixture.modelURL)
        let generator = Generator(model: model, tokenizer: nil)
        let settings = GenerationSettings(maxTokens: expected.count, batchSize: 4)
        let alone = try generator.generate(prompts: [prompt], settings: settings)[0].ids
        #expect(alone == expected, "\(family)")
        let batched = try generator.generate(prompts: [prompt] + fixture.prompts.dropFirst().map(FamilyFixture.ids), settings: settings)
        #expect(batched[0].ids == alone, "\(family): batched")
    }

    /// All seven projections adapted (phi3 through its fused qkv_proj and gate_up_proj, whose
    /// members share one A): loss, logits and every A and B gradient against PEFT under torch.
    @Test(arguments: FamilyFixture.families)
    func loraLossLogitsAndGradientsMatchPEFT(family: String) throws {
        let fixture = try FamilyFixture(family)
        let model = try LoRATrainingModel(modelURL: fixture.modelURL)
        let lora = try PEFTAdapter.load(directory: Fixtures.url("families/\(family)/lora"), shape: model.config)
        #expect(lora.settings.targets.count == 7)
        let reference = fixture.lora
        let ids = FamilyFixture.ids(reference).map(Int32.init)
        let promptTokens = (reference["prompt_tokens"] as! NSNumber).intValue
        let targets = (0..<ids.count).map { t in t + 1 < ids.count && t + 1 >= promptTokens ? ids[t + 1] : -1 }
        let lossTokens = targets.filter { $0 >= 0 }.count
        let loss = try model.lossSum(tokens: ids, targets: targets, batch: 1, time: ids.count, lora: lora) / Double(lossTokens)
        #expect(abs(loss - (reference["loss"] as! NSNumber).doubleValue) < 1e-4, "\(family) loss \(loss)")
        let worst = FamilyFixture.worstDifference(try model.logits(tokens: ids, lora: lora), FamilyFixture.logits(reference))
        #expect(worst < 1e-4, "\(family): adapted logits differ by \(worst)")

        var gradients = lora.zeros()
        _ = try model.accumulateGradients(tokens: ids, targets: targets, batch: 1, time: ids.count, lora: lora,
                                          gradients: &gradients, gradScale: 1 / Float(lossTokens))
        let expected = try SafeTensors.read(url: Fixtures.url("families/\(family)/lora-grads.safetensors"))
        #expect(expected.names.count == 2 * gradients.modules.count)
        try FamilyFixture.expectGradientsMatchTorch(gradients, expected: expected, family: family)
    }
}
