import Foundation
import Llama
import TensorKit

/// Sum of log-probabilities of one continuation's tokens given its context (lm-eval's
/// `loglikelihood` result), and whether every one of them was the model's top token (`is_greedy`).
public struct ContinuationScore: Codable, Sendable, Equatable {
    public var logLikelihood: Double
    public var isGreedy: Bool
    public var tokens: Int

    public init(logLikelihood: Double, isGreedy: Bool, tokens: Int) {
        self.logLikelihood = logLikelihood; self.isGreedy = isGreedy; self.tokens = tokens
    }

    enum CodingKeys: String, CodingKey { case logLikelihood = "loglik", isGreedy = "is_greedy", tokens }
}

/// Scores items' continuations with a local model, each context computed once for all its choices:
///
///     call 1: the contexts of up to `itemsPerCall` items, one cache slot each → their last rows' logits
///             (the first continuation token's distribution), keys and values in the cache;
///     copy:   each context's keys and values into one more slot per further choice;
///     call 2: every choice's tokens but its last, after its context → a logits row per token.
///
/// Every product is Float32 sgemm on the dequantized weights (`ProjectionRoute.float32`), the
/// arithmetic lm-eval's `--model hf` reference uses in float32, whatever the segment lengths.
public final class LogLikelihoodScorer: @unchecked Sendable {
    public let model: LlamaModel
    /// Items whose contexts share a forward call.
    public var itemsPerCall: Int
    /// Tokens computed so far: contexts once per item, continuations per choice.
    public private(set) var contextTokens = 0
    public private(set) var continuationTokens = 0

    public init(model: LlamaModel, itemsPerCall: Int = 4) {
        self.model = model
        self.itemsPerCall = max(1, itemsPerCall)
    }

    /// Per item, per choice. Every context must be non-empty and every continuation at least one token
    /// (`ContinuationSplit` guarantees both), each context + continuation within the model's context.
    public func score(_ items: [EncodedItem]) throws -> [[ContinuationScore]] {
        var out: [[ContinuationScore]] = []
        out.reserveCapacity(items.count)
        var start = 0
        while start < items.count {
            let end = min(items.count, start + itemsPerCall)
            out += try scoreBatch(Array(items[start..<end]))
            start = end
        }
        return out
    }

    private func scoreBatch(_ items: [EncodedItem]) throws -> [[ContinuationScore]] {
        let v = model.config.vocabSize
        // Slot of item b's choice k: firstSlot[b] + k.
        var firstSlot: [Int] = [], slots = 0, capacity = 0
        for item in items {
            precondition(!item.context.isEmpty && item.continuations.allSatisfy { !$0.isEmpty })
            firstSlot.append(slots)
            slots += item.continuations.count
            capacity = max(capacity, item.context.count + item.continuations.map(\.count).max()!)
        }
        let cache = KVCache(config: model.config, slots: slots, capacity: capacity)

        // Call 1: contexts.
        let contextCall = try model.forward(
            tokens: items.flatMap(\.context),
            segments: items.indices.map { SequenceSegment(slot: firstSlot[$0], start: 0, count: items[$0].context.count) },
            cache: cache, logitRows: .lastOfEachSegment, products: .float32)
        contextTokens += items.reduce(0) { $0 + $1.context.count }
        for (b, item) in items.enumerated() where item.continuations.count > 1 {
            let floats = item.context.count * cache.kvDim
            for k in 1..<item.continuations.count {
                for layer in 0..<cache.layers {
                    cache.keys(layer: layer, slot: firstSlot[b] + k).update(from: cache.keys(layer: layer, slot: firstSlot[b]), count: floats)
                    cache.values(layer: layer, slot: firstSlot[b] + k).update(from: cache.values(layer: layer, slot: firstSlot[b]), count: floats)
                }
            }
        }
        let firstTokens = TokenLogProbabilities.entries(
            logits: contextCall.logits.storage.pointer, vocabulary: v,
            rows: items.indices.flatMap { b in Array(repeating: b, count: items[b].continuations.count) },
            targets: items.flatMap { $0.continuations.map { $0[0] } })

        // Call 2: every continuation but its last token; row r of choice (b, k) predicts token r + 1.
        var tokens: [Int] = [], segments: [SequenceSegment] = [], targets: [Int] = []
        var firstRow: [[Int]] = []  // (b, k) → its first row in call 2
        for (b, item) in items.enumerated() {
            var rows: [Int] = []
            for (k, continuation) in item.continuations.enumerated() {
                rows.append(tokens.count)
                guard continuation.count > 1 else { continue }
                tokens += continuation.dropLast()
                targets += continuation.dropFirst()
                segments.append(SequenceSegment(slot: firstSlot[b] + k, start: item.context.count, count: continuation.count - 1))
            }
            firstRow.append(rows)
        }
        var rest: [TokenLogProbabilities.Entry] = []
        if !tokens.isEmpty {
            let call = try model.forward(tokens: tokens, segments: segments, cache: cache, logitRows: .all, products: .float32)
            rest = TokenLogProbabilities.entries(logits: call.logits.storage.pointer, vocabulary: v,
                                                 rows: Array(0..<tokens.count), targets: targets)
        }
        continuationTokens += items.reduce(0) { $0 + $1.continuations.reduce(0) { $0 + $1.count } }

        var scores: [[ContinuationScore]] = []
        var first = 0
        for (b, item) in items.enumerated() {
            var row: [ContinuationScore] = []
            for (k, continuation) in item.continuations.enumerated() {
                var total = firstTokens[first].logProbability, greedy = firstTokens[first].isTop
                first += 1
                for r in 0..<(continuation.count - 1) {
                    total += rest[firstRow[b][k] + r].logProbability
                    greedy = greedy && rest[firstRow[b][k] + r].isTop
                }
                row.append(ContinuationScore(logLikelihood: total, isGreedy: greedy, tokens: continuation.count))
            }
            scores.append(row)
        }
        return scores
    }
}
