import Foundation
import ModelIO

extension ModelShape {
    /// Reads the llama dimensions from GGUF metadata.
    public init(gguf: GGUFFile) throws {
        let file = gguf.url.lastPathComponent
        let architecture = gguf.string("general.architecture") ?? "llama"
        func int(_ key: String) throws -> Int {
            guard let value = gguf.int("\(architecture).\(key)"), value > 0 else {
                throw TrainingError.badAdapterConfig(file: file, reason: "metadata \(architecture).\(key) is missing; the model is not a llama-style GGUF")
            }
            return value
        }
        let heads = try int("attention.head_count")
        let vocabulary = gguf.int("\(architecture).vocab_size")
            ?? gguf.tensor(named: "token_embd.weight")?.rowCount
            ?? gguf.stringArray("tokenizer.ggml.tokens")?.count ?? 0
        self.init(layers: try int("block_count"), width: try int("embedding_length"), heads: heads,
                  kvHeads: gguf.int("\(architecture).attention.head_count_kv") ?? heads,
                  ffnWidth: try int("feed_forward_length"), vocabulary: vocabulary,
                  ropeBase: Float(gguf.float("\(architecture).rope.freq_base") ?? 10000),
                  normEps: Float(gguf.float("\(architecture).attention.layer_norm_rms_epsilon") ?? 1e-5))
    }
}

extension FrozenWeights {
    /// Dequantizes a llama GGUF to float32, q/k rows un-permuted to HF order.
    public init(gguf: GGUFFile) throws {
        let shape = try ModelShape(gguf: gguf)
        func tensor(_ name: String) throws -> [Float] {
            guard let info = gguf.tensor(named: name) else {
                throw TrainingError.io(path: gguf.url.path, reason: "tensor \(name) is missing; the file is not a complete llama GGUF")
            }
            return try gguf.dequantize(info)
        }
        var layers: [LayerWeights] = []
        for l in 0..<shape.layers {
            let p = "blk.\(l)."
            layers.append(LayerWeights(
                attentionNorm: try tensor(p + "attn_norm.weight"),
                q: RoPEPermutation.ggufToHF(try tensor(p + "attn_q.weight"), rows: shape.qWidth, cols: shape.width, heads: shape.heads),
                k: RoPEPermutation.ggufToHF(try tensor(p + "attn_k.weight"), rows: shape.kvWidth, cols: shape.width, heads: shape.kvHeads),
                v: try tensor(p + "attn_v.weight"), o: try tensor(p + "attn_output.weight"),
                ffnNorm: try tensor(p + "ffn_norm.weight"), gate: try tensor(p + "ffn_gate.weight"),
                up: try tensor(p + "ffn_up.weight"), down: try tensor(p + "ffn_down.weight")))
        }
        let head = gguf.tensor(named: "output.weight") == nil ? nil : try tensor("output.weight")
        self.init(shape: shape, embedding: try tensor("token_embd.weight"), layers: layers,
                  outputNorm: try tensor("output_norm.weight"), head: head)
        try validate()
    }

    public init(modelURL: URL) throws {
        try self.init(gguf: try GGUFFile(url: modelURL))
    }
}
