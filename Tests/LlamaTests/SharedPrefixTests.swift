import Foundation
import Llama
import TensorKit
import TestSupport
import Testing

/// Prompts that share a prefix generate the same bits whether the prefix is prefilled once
/// (`GenerationSettings.sharePrefix`) or with each prompt: in f32 and every packed precision, with
/// rests shorter than the decode-kernel and attention thresholds and longer than an attention block.
/// f32 is checked on SmolLM2: on the 32-wide tiny-llama, OpenBLAS picks its small-matrix sgemm
/// kernels by the row count, so there even batching prompts together changes f32 bits (the packed
/// kernels do not depend on it).
struct SharedPrefixTests {
    /// A 70-token prefix (64 shared: two attention blocks) and rests of 1, 3, 7, 20 and 45 tokens,
    /// plus a prompt that is the prefix itself and one with a different first token (no sharing
    /// possible in that call).
    static func prompts(vocab: Int) -> [[Int]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {  // xorshift64
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(vocab))
        }
        let prefix = (0..<70).map { _ in next() }
        var prompts = [1, 3, 7, 20, 45].map { rest in prefix + (0..<rest).map { _ in next() } }
        prompts.append(prefix)
        return prompts
    }

    static func signature(_ results: [GenerationResult]) -> [[Float]] {
        results.map { $0.ids.map(Float.init) + $0.topLogits.flatMap { [Float($0.id), $0.logit] } }
    }

    static func generate(_ model: LlamaModel, _ prompts: [[Int]], share: Bool, batchSize: Int = 3) throws -> [[Float]] {
        var settings = GenerationSettings(maxTokens: 6, batchSize: batchSize, topLogits: 5)
        settings.sharePrefix = share
        return signature(try Generator(model: model, tokenizer: nil).generate(prompts: prompts, settings: settings))
    }

    @Test(arguments: packedPrecisions)
    func sharingThePrefixChangesNoBit(precision: ComputePrecision) throws {
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"), precision: precision)
        let prompts = Self.prompts(vocab: model.config.vocabSize)
        #expect(SharedPrefix.length(of: prompts) == 64)
        let unshared = try Self.generate(model, prompts, share: false)
        #expect(try Self.generate(model, prompts, share: true) == unshared)
        #expect(try Self.generate(model, prompts, share: true, batchSize: 32) == unshared)
        // one at a time: nothing to share, the same bits again
        let alone = try prompts.map { try Self.generate(model, [$0], share: true)[0] }
        #expect(alone == unshared)
    }

    @Test func theSharedLengthIsWholeAttentionBlocksAndLeavesEachPromptAToken() {
        let block = Array(0..<32)
        // 64 common tokens, but the shorter prompt needs one of its own: 63 → one block.
        #expect(SharedPrefix.length(of: [block + block, block + block + [1]]) == 32)
        #expect(SharedPrefix.length(of: [block + block + [1], block + block + [2]]) == 64)
        #expect(SharedPrefix.length(of: [block + [1], block + [2]]) == 32)
        #expect(SharedPrefix.length(of: [Array(block.prefix(31)) + [1, 2], Array(block.prefix(31)) + [3, 4]]) == 0)
        #expect(SharedPrefix.length(of: [block + block + [1]]) == 0, "one prompt shares with nothing")
        #expect(SharedPrefix.length(of: [[5] + block + block, [6] + block + block]) == 0)
    }

    /// SmolLM2 in f32: chat prompts with one system prompt, as an eval set renders them, and the random prompts.
    @Test(.enabled(if: Fixtures.smolLM2 != nil))
    func smolLM2InFloat32() throws {
        let generator = try #require(TextGenerationTests.generator)
        let system = "You route customer support messages. Answer with the name of one queue: billing, shipping, "
            + "returns, accounts, technical, or other. Answer with the queue name only, in lower case."
        let messages = ["My card was charged twice.", "Where is my parcel?", "I cannot log in.", "Refund please", "Hi"]
        let prompts = try messages.map { message in
            try generator.encode("<|im_start|>system\n\(system)<|im_end|>\n<|im_start|>user\n\(message)<|im_end|>\n<|im_start|>assistant\n",
                                 format: .init()).ids
        }
        #expect(SharedPrefix.length(of: prompts) >= 32, "the system prompt is shared")
        #expect(try Self.generate(generator.model, prompts, share: true, batchSize: 32)
                == Self.generate(generator.model, prompts, share: false, batchSize: 32))
        let random = Self.prompts(vocab: generator.model.config.vocabSize)
        let unshared = try Self.generate(generator.model, random, share: false)
        #expect(try Self.generate(generator.model, random, share: true) == unshared)
        // One at a time: a lone prompt's products have fewer rows (its LM head one), which f32 makes
        // through the same row-invariant kernels (`BLAS.rowInvariantLinear`).
        #expect(try Self.generate(generator.model, random, share: false, batchSize: 1) == unshared)
    }

    /// The tiny model in f32, whose small products OpenBLAS would give to its small-matrix kernels:
    /// batched, shared and one-at-a-time generation give the same bits.
    @Test func tinyModelInFloat32OneAtATime() throws {
        let model = try LlamaModel.load(url: Fixtures.url("tiny-llama.gguf"))
        let prompts = Self.prompts(vocab: model.config.vocabSize)
        let batched = try Self.generate(model, prompts, share: false)
        #expect(try Self.generate(model, prompts, share: true) == batched)
        #expect(try Self.generate(model, prompts, share: false, batchSize: 1) == batched)
    }
}
