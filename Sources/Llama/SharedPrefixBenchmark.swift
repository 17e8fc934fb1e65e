import Foundation

/// `tollgate bench`'s "eval, shared prefix" line: an eval-shaped generation run — prompts that begin
/// with the same system prompt and instruction, a short message of their own each, a few greedy new
/// tokens — timed with the common prefix prefilled once (`SharedPrefix`) and with each prompt.
public struct SharedPrefixEvalFigures: Codable, Sendable {
    public var prompts: Int
    /// Tokens every prompt begins with, and the range of each prompt's own tokens after them.
    public var commonTokens: Int
    public var ownTokens: ClosedRange<Int>
    public var newTokens: Int
    /// Tokens actually shared (whole attention blocks of the common prefix).
    public var sharedTokens: Int
    public var promptsPerSecond: Double
    public var unsharedPromptsPerSecond: Double
    public var speedup: Double { promptsPerSecond / unsharedPromptsPerSecond }

    /// Best of two runs each way on `model`, batch 32 (the eval default).
    static func measure(model: LlamaModel, prompts count: Int = 64, commonTokens: Int = 100,
                        ownTokens: ClosedRange<Int> = 8...40, newTokens: Int = 8) throws -> SharedPrefixEvalFigures {
        let vocab = model.config.vocabSize
        let common = Benchmark.syntheticTokens(count: commonTokens, vocab: vocab, salt: 7)
        let prompts = (0..<count).map { i in
            let own = ownTokens.lowerBound + i * 7 % (ownTokens.count)
            return common + Benchmark.syntheticTokens(count: own, vocab: vocab, salt: UInt64(100 + i))
        }
        let generator = Generator(model: model, tokenizer: nil)
        func promptsPerSecond(share: Bool) throws -> Double {
            var settings = GenerationSettings(maxTokens: newTokens, batchSize: 32)
            settings.sharePrefix = share
            var best = Double.infinity
            for _ in 0..<2 {
                let start = Date()
                _ = try generator.generate(prompts: prompts, settings: settings)
                best = min(best, Date().timeIntervalSince(start))
            }
            return Double(count) / best
        }
        return SharedPrefixEvalFigures(prompts: count, commonTokens: commonTokens, ownTokens: ownTokens, newTokens: newTokens,
                                       sharedTokens: SharedPrefix.length(of: prompts),
                                       promptsPerSecond: try promptsPerSecond(share: true),
                                       unsharedPromptsPerSecond: try promptsPerSecond(share: false))
    }
}
