import Foundation
import ModelIO
import TestSupport
import Tokenizer

/// SmolLM2's tokenizer, read from the metadata of the tiny fixture model.
/// (Built here from `tokenizer.ggml.*` until the Tokenizer target's own GGUF loader is merged.)
enum TinyTokenizer {
    static let shared: BPETokenizer? = {
        guard let file = try? GGUFFile(url: Fixtures.url("tiny-llama.gguf")),
              let tokens = file.stringArray("tokenizer.ggml.tokens"),
              let merges = file.stringArray("tokenizer.ggml.merges") else { return nil }
        let vocabulary = TokenizerVocabulary(
            tokens: tokens, tokenTypes: (file.intArray("tokenizer.ggml.token_type") ?? []).map { Int32($0) },
            merges: merges, model: file.string("tokenizer.ggml.model") ?? "gpt2",
            pre: file.string("tokenizer.ggml.pre") ?? "gpt2",
            bosID: file.int("tokenizer.ggml.bos_token_id"), eosID: file.int("tokenizer.ggml.eos_token_id"),
            padID: file.int("tokenizer.ggml.padding_token_id"), unknownID: file.int("tokenizer.ggml.unknown_token_id"),
            addBOS: file.bool("tokenizer.ggml.add_bos_token") ?? false,
            addEOS: file.bool("tokenizer.ggml.add_eos_token") ?? false,
            chatTemplate: file.string("tokenizer.chat_template"))
        return try? BPETokenizer(vocabulary: vocabulary)
    }()
}
