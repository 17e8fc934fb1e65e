import Foundation

/// One item's outcome: every choice's log-likelihood and lm-eval's per-item metrics.
///
///     acc       = argmax_k ll_k == label
///     acc_norm  = argmax_k ll_k / len(choice_k in characters) == label  (delimiter not counted)
///     exact_match (is_greedy) = every token of the gold continuation was the top token
/// Ties go to the first choice (numpy's argmax).
public struct MultipleChoiceResult: Codable, Sendable, Equatable {
    public var id: String
    public var label: Int
    public var choices: [ContinuationScore]
    public var prediction: Int
    public var normalizedPrediction: Int
    /// Characters per choice (Python `len`: Unicode scalars), acc_norm's divisor.
    public var choiceLengths: [Int]

    public var acc: Double { prediction == label ? 1 : 0 }
    public var accNorm: Double { normalizedPrediction == label ? 1 : 0 }
    public var goldIsGreedy: Bool { choices[label].isGreedy }

    enum CodingKeys: String, CodingKey {
        case id, label, choices, prediction, normalizedPrediction = "prediction_norm", choiceLengths = "choice_lengths"
    }

    /// Refuses an item whose choices all scored the same: a scorer that returns 0.0 for everything
    /// (an endpoint without prompt log-probabilities) would otherwise give chance accuracy silently.
    public init(item: MultipleChoiceItem, scores: [ContinuationScore]) throws {
        precondition(scores.count == item.choices.count)
        let lls = scores.map(\.logLikelihood)
        if Set(lls).count == 1 {
            throw LogLikelihoodError.identicalLogLikelihoods(example: item.id, value: lls[0])
        }
        id = item.id
        label = item.label
        choices = scores
        choiceLengths = item.choices.map { $0.unicodeScalars.count }
        prediction = Self.argmax(lls)
        normalizedPrediction = Self.argmax(zip(lls, choiceLengths).map { $1 > 0 ? $0 / Double($1) : -.infinity })
    }

    static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
