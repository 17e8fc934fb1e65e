import Foundation
import ModelIO
import Testing
import TestSupport

@Suite struct GGUFReaderTests {
    @Test func tinyLlamaHasTheDocumentedTensorTypes() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        let expected: [String: GGMLType] = [
            "token_embd.weight": .q8_0,
            "blk.0.attn_q.weight": .q8_0, "blk.0.attn_k.weight": .q4_1, "blk.0.attn_v.weight": .q4_0,
            "blk.0.attn_output.weight": .f16, "blk.0.ffn_gate.weight": .q5_0, "blk.0.ffn_up.weight": .q5_1,
            "blk.0.ffn_down.weight": .bf16,
            "blk.1.attn_q.weight": .f32, "blk.1.attn_k.weight": .f16, "blk.1.attn_v.weight": .bf16,
            "blk.1.attn_output.weight": .q8_0, "blk.1.ffn_gate.weight": .q4_0, "blk.1.ffn_up.weight": .q4_1,
            "blk.1.ffn_down.weight": .q8_0,
        ]
        for (name, type) in expected {
            #expect(gguf.tensor(named: name)?.type == type, "\(name)")
        }
        #expect(gguf.tensor(named: "output.weight") == nil)
        #expect(gguf.tensor(named: "blk.0.attn_q.weight")?.dimensions == [32, 32])
        #expect(gguf.tensor(named: "blk.0.attn_k.weight")?.dimensions == [32, 16])
        #expect(gguf.tensor(named: "blk.0.ffn_down.weight")?.dimensions == [64, 32])
        #expect(gguf.tensor(named: "token_embd.weight")?.dimensions == [32, 49152])
        #expect(gguf.tensor(named: "output_norm.weight")?.type == .f32)
    }

    @Test func tinyLlamaMetadataValues() throws {
        let gguf = try GGUFFile(url: Fixtures.url("tiny-llama.gguf"))
        #expect(gguf.version == 3)
        #expect(gguf.alignment == 32)
        #expect(gguf.string("general.architecture") == "llama")
        #expect(gguf.int("llama.block_count") == 2)
        #expect(gguf.int("llama.embedding_length") == 32)
        #expect(gguf.int("llama.attention.head_count") == 4)
        #expect(gguf.int("llama.attention.head_count_kv") == 2)
        #expect(gguf.int("llama.feed_forward_length") == 64)
        #expect(gguf.float("llama.rope.freq_base") == 100000)
        #expect(gguf.string("tokenizer.ggml.model") == "gpt2")
        #expect(gguf.stringArray("tokenizer.ggml.tokens")?.count == 49152)
        #expect(gguf.intArray("tokenizer.ggml.token_type")?.count == 49152)
        #expect(gguf.stringArray("tokenizer.ggml.tokens")?[1] == "<|im_start|>")
        #expect(gguf.metadataKeys.first == "general.architecture")
        #expect(gguf.metadataKeys.count == gguf.metadata.count)
    }

    @Test func smolLM2LoadsWithItsKnownShape() throws {
        guard let url = Fixtures.smolLM2 else { return }
        let gguf = try GGUFFile(url: url)
        #expect(gguf.string("general.architecture") == "llama")
        #expect(gguf.int("llama.block_count") == 30)
        #expect(gguf.int("llama.embedding_length") == 576)
        #expect(gguf.int("llama.attention.head_count") == 9)
        #expect(gguf.int("llama.attention.head_count_kv") == 3)
        #expect(gguf.int("llama.feed_forward_length") == 1536)
        #expect(gguf.tensor(named: "token_embd.weight")?.type == .q8_0)
        #expect(gguf.tensor(named: "token_embd.weight")?.dimensions == [576, 49152])
        #expect(gguf.tensor(named: "blk.0.attn_q.weight")?.type == .q4_1)
        #expect(gguf.tensor(named: "output.weight") == nil)
        #expect(gguf.stringArray("tokenizer.ggml.tokens")?.count == 49152)
        #expect(gguf.intArray("tokenizer.ggml.token_type")?.count == 49152)
        #expect((gguf.stringArray("tokenizer.ggml.merges")?.count ?? 0) > 48000)
        #expect(gguf.tensors.count == 30 * 9 + 2)
    }

    @Test func everySmolLM2TensorDequantizesToFiniteValues() throws {
        guard let url = Fixtures.smolLM2 else { return }
        let gguf = try GGUFFile(url: url)
        for tensor in gguf.tensors {
            let values = try gguf.dequantize(tensor)
            #expect(values.count == tensor.elementCount)
            #expect(values.allSatisfy { $0.isFinite }, "\(tensor.name)")
        }
    }
}
