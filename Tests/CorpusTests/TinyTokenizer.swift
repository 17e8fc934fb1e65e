import Foundation
import ModelIO
import TestSupport
import Tokenizer

/// SmolLM2's tokenizer, read from the metadata of the tiny fixture model.
enum TinyTokenizer {
    static let shared: TextTokenizer? = {
        guard let file = try? GGUFFile(url: Fixtures.url("tiny-llama.gguf")) else { return nil }
        return try? TextTokenizer(gguf: file)
    }()
}
