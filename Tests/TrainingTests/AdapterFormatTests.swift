import Foundation
import ModelIO
import TestSupport
import Testing
import Training

@Test func peftExportOfTheFixtureAdapterRoundTrips() throws {
    let directory = try Fixtures.temporaryFolder("peft")
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("exported")
    let result = try TollgateBinary.run(["export", "--adapter", Fixtures.url("tiny-llama-lora").path, "--format", "peft", "--out", out.path])
    #expect(result.status == 0, "\(result.stderr)")
    let original = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora/adapter_model.safetensors"))
    let exported = try SafeTensors.read(url: out.appendingPathComponent("adapter_model.safetensors"))
    #expect(Set(original.names) == Set(exported.names))
    for key in original.names {
        #expect(original.shape(key) == exported.shape(key))
        #expect(try original.floats(key) == exported.floats(key))
    }
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as! [String: Any]
    #expect(config["r"] as? Int == 4)
    #expect(config["lora_alpha"] as? Int == 8)
    #expect(Set(config["target_modules"] as! [String]) == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    #expect(config["use_rslora"] as? Bool == false)
    #expect(config["peft_type"] as? String == "LORA")
}

@Test func ggufAdapterExportRoundTripsWithQAndKRowsInGGUFOrder() throws {
    let directory = try Fixtures.temporaryFolder("gguf")
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = Fixtures.url("tiny-llama.gguf")
    let ggufAdapter = directory.appendingPathComponent("adapter.gguf")
    let back = directory.appendingPathComponent("back")
    #expect(try TollgateBinary.run(["export", "--adapter", Fixtures.url("tiny-llama-lora").path, "--model", model.path,
                                    "--format", "gguf", "--out", ggufAdapter.path]).status == 0)
    let file = try GGUFFile(url: ggufAdapter)
    #expect(file.string("general.type") == "adapter")
    #expect(file.string("general.architecture") == "llama")
    #expect(file.string("adapter.type") == "lora")
    #expect(file.float("adapter.lora.alpha") == 8)
    let qa = try #require(file.tensor(named: "blk.0.attn_q.weight.lora_a"))
    let qb = try #require(file.tensor(named: "blk.0.attn_q.weight.lora_b"))
    #expect(qa.dimensions == [32, 4])
    #expect(qb.dimensions == [4, 32])
    // q's B rows are permuted as convert_hf_to_gguf permutes attn_q, v's are not
    let peft = try SafeTensors.read(url: Fixtures.url("tiny-llama-lora/adapter_model.safetensors"))
    let hfB = try peft.floats("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")
    #expect(try file.dequantize(qb) == RoPEPermutation.hfToGGUF(hfB, rows: 32, cols: 4, heads: 4))
    #expect(try file.dequantize(qb) != hfB)
    #expect(try TollgateBinary.run(["export", "--adapter", ggufAdapter.path, "--model", model.path,
                                    "--format", "peft", "--out", back.path]).status == 0)
    let roundTrip = try SafeTensors.read(url: back.appendingPathComponent("adapter_model.safetensors"))
    for key in peft.names { #expect(try peft.floats(key) == roundTrip.floats(key), "\(key)") }
}

@Test func fusedModelLogitsEqualBasePlusAdapter() throws {
    let directory = try Fixtures.temporaryFolder("fuse")
    defer { try? FileManager.default.removeItem(at: directory) }
    let fused = directory.appendingPathComponent("fused.gguf")
    let result = try TollgateBinary.run(["fuse", "--model", Fixtures.url("tiny-llama.gguf").path, "--adapter",
                                         Fixtures.url("tiny-llama-lora").path, "--out", fused.path])
    #expect(result.status == 0, "\(result.stderr)")
    let base = try LoRATrainingModel(modelURL: Fixtures.url("tiny-llama.gguf"))
    let lora = try PEFTAdapter.load(directory: Fixtures.url("tiny-llama-lora"), shape: base.config)
    let merged = try LoRATrainingModel(modelURL: fused)
    let tokens: [Int32] = [1, 4093, 198, 9576, 314, 957, 35598, 47, 2, 198, 1, 520]
    let expected = try base.logits(tokens: tokens, lora: lora)
    let actual = try merged.logits(tokens: tokens, lora: nil)
    let worst = zip(expected, actual).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-4)
    let unadapted = try base.logits(tokens: tokens, lora: nil)
    #expect(zip(unadapted, actual).map { abs($0 - $1) }.max()! > 1e-2)
    let gguf = try GGUFFile(url: fused)
    #expect(gguf.string("tokenizer.ggml.model") == "gpt2")
}

@Test func fusingAtFourBitsKeepsTheTiedLMHeadAtQ8AndNamesTheFileType() throws {
    let directory = try Fixtures.temporaryFolder("fuse4")
    defer { try? FileManager.default.removeItem(at: directory) }
    for (type, ggml, fileType) in [("q4_1", GGMLType.q4_1, 3), ("q4_0", .q4_0, 2), ("q8_0", .q8_0, 7)] {
        let fused = directory.appendingPathComponent("fused-\(type).gguf")
        let result = try TollgateBinary.run(["fuse", "--model", Fixtures.url("tiny-llama.gguf").path, "--adapter",
                                             Fixtures.url("tiny-llama-lora").path, "--out", fused.path, "--type", type])
        #expect(result.status == 0, "\(result.stderr)")
        let gguf = try GGUFFile(url: fused)
        #expect(gguf.int("general.file_type") == fileType)
        #expect(gguf.tensor(named: "token_embd.weight")?.type == .q8_0, "\(type)")
        #expect(gguf.tensor(named: "blk.0.attn_q.weight")?.type == ggml, "\(type)")
        #expect(gguf.tensor(named: "blk.1.ffn_down.weight")?.type == ggml, "\(type)")
    }
}

@Test func unreadableAdapterExitsWithCodeTwo() throws {
    let result = try TollgateBinary.run(["export", "--adapter", "/nonexistent/adapter", "--format", "peft", "--out", "/tmp/x"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("/nonexistent/adapter"))
}

@Test func aPEFTAdapterOfAnotherTypeIsRefusedNamingItsConfig() throws {
    let directory = try Fixtures.temporaryFolder("ia3")
    defer { try? FileManager.default.removeItem(at: directory) }
    for name in ["adapter_config.json", "adapter_model.safetensors"] {
        try FileManager.default.copyItem(at: Fixtures.url("tiny-llama-lora").appendingPathComponent(name),
                                         to: directory.appendingPathComponent(name))
    }
    let configURL = directory.appendingPathComponent("adapter_config.json")
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
    config["peft_type"] = "IA3"
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    let result = try TollgateBinary.run(["generate", "--model", Fixtures.url("tiny-llama.gguf").path, "--adapter", directory.path,
                                         "--max-tokens", "1", "hello"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("adapter_config.json"))
    #expect(result.stderr.contains("peft_type is IA3"))
}
