import Foundation
import Llama
import ModelIO

extension ModelShape {
    /// The dimensions of a loaded model.
    public init(_ config: LlamaConfig) {
        self.init(layers: config.layers, width: config.dim, heads: config.heads, kvHeads: config.kvHeads,
                  ffnWidth: config.hiddenDim, vocabulary: config.vocabSize, ropeBase: config.ropeBase, normEps: config.rmsEps)
    }

    /// Reads the llama dimensions from GGUF metadata (also of files the forward pass cannot load,
    /// to read or write adapters for them).
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
