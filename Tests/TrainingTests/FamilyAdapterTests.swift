import Foundation
import Llama
import ModelIO
import TensorKit
import TestSupport
import Testing
import Training

/// Each family's adapter in llama.cpp's layout and fused into the model, against what llama.cpp's own
/// converter made of the PEFT adapter (`lora.gguf`) and transformers + PEFT's logits; and the family
/// models in bf16 and int8.
struct FamilyAdapterTests {
    /// Reading llama.cpp's converted adapter gives PEFT's A and B (q/k rows back in HF order where
    /// the family permutes them), and Tollgate's export writes the converter's tensors and architecture.
    @Test(arguments: FamilyFixture.families)
    func ggufAdapterMatchesLlamaCppsConverter(family: String) throws {
        let shape = try LlamaConfig(gguf: try GGUFFile(url: try FamilyFixture(family).modelURL))
        let peft = try PEFTAdapter.load(directory: Fixtures.url("families/\(family)/lora"), shape: shape)
        let converted = Fixtures.url("families/\(family)/lora.gguf")
        let fromGGUF = try GGUFAdapter.load(url: converted, shape: shape)
        #expect(fromGGUF.settings.rank == peft.settings.rank && fromGGUF.settings.scale == peft.settings.scale)
        let worst = zip(fromGGUF.values, peft.values).map { abs($0 - $1) }.max() ?? 1
        #expect(fromGGUF.values.count == peft.values.count && worst < 1e-7, "\(family): \(worst)")

        let exported = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-\(family)-\(UUID()).gguf")
        defer { try? FileManager.default.removeItem(at: exported) }
        try GGUFAdapter.save(peft, shape: shape, to: exported, baseModel: "model.gguf")
        let ours = try GGUFFile(url: exported), theirs = try GGUFFile(url: converted)
        #expect(ours.string("general.architecture") == theirs.string("general.architecture"))
        #expect(ours.float("adapter.lora.alpha") == theirs.float("adapter.lora.alpha"))
        let names = theirs.tensors.map(\.name).filter { $0.contains(".lora_") }.sorted()
        #expect(ours.tensors.map(\.name).sorted() == names)
        for name in names {
            let a = try ours.dequantize(ours.tensor(named: name)!), b = try theirs.dequantize(theirs.tensor(named: name)!)
            #expect(ours.tensor(named: name)!.dimensions == theirs.tensor(named: name)!.dimensions, "\(family) \(name)")
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-7 }, "\(family) \(name)")
        }
    }

    /// `fuse` writes W + scale · B·A into the GGUF (in its own row order): the fused model gives
    /// the adapted logits of transformers + PEFT.
    @Test(arguments: FamilyFixture.families)
    func fusedModelGivesPEFTsLogits(family: String) throws {
        let fixture = try FamilyFixture(family)
        let fused = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fused-\(family)-\(UUID()).gguf")
        defer { try? FileManager.default.removeItem(at: fused) }
        try AdapterFusion.fuse(model: fixture.modelURL, adapter: Fixtures.url("families/\(family)/lora").path, output: fused, type: nil)
        let model = try LlamaModel.load(url: fused)
        let logits = try model.logits(tokens: FamilyFixture.ids(fixture.lora))
        let worst = FamilyFixture.worstDifference(Array(UnsafeBufferPointer(start: logits.pointer, count: logits.rows * logits.cols)),
                                                  FamilyFixture.logits(fixture.lora))
        #expect(worst < 1e-4, "\(family): fused logits differ from PEFT's by \(worst)")
    }

    /// bf16 and int8 products on every family: logits near the float32 goldens and the same top token
    /// at most positions. These are 32-wide random models (one int8 block is a whole row, and their
    /// logits have many near ties): measured at most 0.13 and 5 of 77 misses in bf16, 0.52 and 11 of
    /// 77 (qwen3) in int8.
    @Test(arguments: FamilyFixture.families, [ComputePrecision.bf16, .int8])
    func packedPrecisionsFollowTheGoldens(family: String, precision: ComputePrecision) throws {
        guard precision.unavailableReason == nil else { return }
        let fixture = try FamilyFixture(family)
        let model = try LlamaModel.load(url: fixture.modelURL, precision: precision)
        var worst: Float = 0, counted = 0, argmaxMisses = 0
        for prompt in fixture.prompts {
            let logits = try model.logits(tokens: FamilyFixture.ids(prompt))
            let golden = FamilyFixture.logits(prompt), vocabulary = logits.cols
            let positions = FamilyFixture.positions(prompt)
            worst = max(worst, FamilyFixture.worstDifference(Array(UnsafeBufferPointer(start: logits.pointer, count: logits.rows * vocabulary)),
                                                             golden, positions: positions))
            for (index, row) in golden.enumerated() {
                let t = positions?[index] ?? index
                let ours = (0..<vocabulary).max { logits.pointer[t * vocabulary + $0] < logits.pointer[t * vocabulary + $1] }!
                if ours != row.indices.max(by: { row[$0] < row[$1] })! { argmaxMisses += 1 }
                counted += 1
            }
        }
        #expect(worst < (precision == .bf16 ? 0.15 : 0.6), "\(family) \(precision): \(worst)")
        #expect(argmaxMisses * (precision == .bf16 ? 10 : 5) <= counted,
                "\(family) \(precision): \(argmaxMisses) of \(counted) top tokens differ")
    }

    /// Naming one member of Phi-3's fused qkv_proj adapts the module: q, k and v share one A, stored
    /// once, and the adapter saves and loads as PEFT's qkv_proj; PiSSA, one SVD per matrix, is refused.
    @Test func phi3AdaptsFusedModulesAsOne() throws {
        let shape = try LlamaConfig(gguf: try GGUFFile(url: try FamilyFixture("phi3").modelURL))
        var lora = LoRAParameters(shape: shape, settings: LoRASettings(rank: 2, alpha: 4, targets: [.q, .down]))
        #expect(lora.settings.targets == [.q, .k, .v, .down])
        #expect(lora.modules.map(\.hfPath).prefix(2) == ["self_attn.qkv_proj", "mlp.down_proj"])
        let q = lora.slot(layer: 0, projection: .q)!, v = lora.slot(layer: 0, projection: .v)!
        #expect(q.aOffset == v.aOffset && lora.sharesA(v) && !lora.sharesA(q))
        #expect(lora.values.count == shape.layers * (2 * shape.dim + (shape.qDim + 2 * shape.kvDim) * 2 + 2 * shape.hiddenDim + shape.dim * 2))
        var rng = TrainingRNG(seed: 3)
        var weights = try LlamaModel.load(url: try FamilyFixture("phi3").modelURL, use: .training).weights
        try lora.initialize(.kaiming, rng: &rng, weights: &weights)
        for i in lora.values.indices { lora.values[i] += Float(i % 7) * 0.01 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-phi3-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try PEFTAdapter.save(lora, to: directory, baseModel: "model.gguf")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(PEFTAdapter.configName))) as! [String: Any]
        #expect(config["target_modules"] as? [String] == ["qkv_proj", "down_proj"])
        #expect(try PEFTAdapter.load(directory: directory, shape: shape) == lora)
        #expect(throws: TrainingError.self) { try lora.initialize(.pissa, rng: &rng, weights: &weights) }
    }
}
