import Foundation

/// One training example as token ids; the loss covers the tokens from `lossStart` on (each predicted
/// from the position before it).
public struct TokenSequence: Sendable, Equatable, Codable {
    public var tokens: [Int32]
    public var lossStart: Int

    public init(tokens: [Int32], lossStart: Int) {
        self.tokens = tokens
        self.lossStart = max(1, lossStart)
    }

    /// Positions that carry a loss.
    public var lossTokens: Int { max(0, tokens.count - lossStart) }
}

/// A padded (B, T) batch: tokens, targets (−1 where no loss), and the number of loss tokens.
public struct PaddedBatch: Sendable {
    public var tokens: [Int32]
    public var targets: [Int32]
    public var batch: Int
    public var time: Int
    public var lossTokens: Int

    public init(_ sequences: [TokenSequence], padding: Int32 = 0) {
        batch = sequences.count
        time = sequences.map(\.tokens.count).max() ?? 0
        tokens = [Int32](repeating: padding, count: batch * time)
        targets = [Int32](repeating: -1, count: batch * time)
        lossTokens = 0
        for (b, sequence) in sequences.enumerated() {
            for (t, id) in sequence.tokens.enumerated() {
                tokens[b * time + t] = id
                if t + 1 < sequence.tokens.count, t + 1 >= sequence.lossStart {
                    targets[b * time + t] = sequence.tokens[t + 1]
                    lossTokens += 1
                }
            }
        }
    }
}

/// Length-bucketed batches: examples sorted by length and cut into groups of `batchSize`, so a
/// batch pads little. The order of the groups is shuffled each epoch by the trainer.
public func lengthBucketedBatches(_ sequences: [TokenSequence], batchSize: Int) -> [[Int]] {
    let order = sequences.indices.sorted { (sequences[$0].tokens.count, $0) < (sequences[$1].tokens.count, $1) }
    return stride(from: 0, to: order.count, by: max(1, batchSize)).map {
        Array(order[$0..<min(order.count, $0 + max(1, batchSize))])
    }
}
