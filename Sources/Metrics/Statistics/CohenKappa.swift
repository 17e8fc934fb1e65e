/// Cohen's κ between two raters who labelled the same items, as scikit-learn's `cohen_kappa_score`:
///
///     κ = 1 − Σ w·O / Σ w·E
///
/// where O is the confusion matrix (rater A's label × rater B's), E the outer product of the two
/// raters' label counts divided by the item count (agreement expected by chance), and w the
/// disagreement weights: 0 on the diagonal and 1 off it (unweighted), |i − j| (linear) or
/// (i − j)² (quadratic) for ordered labels such as a 1–5 scale. κ is undefined (nil) when chance
/// alone predicts every disagreement weight to be zero — both raters used one and the same label.
public enum CohenKappa {
    public enum Weighting: String, Sendable, CaseIterable {
        case none, linear, quadratic
    }

    /// κ over `labels` (their order is the scale's for the weighted forms); items whose labels are
    /// not in `labels` are an error of the caller and are skipped.
    public static func kappa(_ first: [String], _ second: [String], labels: [String],
                             weighting: Weighting = .none) -> Double? {
        let index = Dictionary(labels.enumerated().map { ($1, $0) }) { first, _ in first }
        var pairs: [(Int, Int)] = []
        for (a, b) in zip(first, second) {
            if let i = index[a], let j = index[b] { pairs.append((i, j)) }
        }
        return kappa(pairs: pairs, labelCount: labels.count, weighting: weighting)
    }

    /// κ over label indices in `0..<labelCount`.
    public static func kappa(pairs: [(Int, Int)], labelCount: Int, weighting: Weighting = .none) -> Double? {
        guard !pairs.isEmpty, labelCount > 0 else { return nil }
        let k = labelCount
        var observed = [Double](repeating: 0, count: k * k)   // (k, k)
        var rowCounts = [Double](repeating: 0, count: k), columnCounts = [Double](repeating: 0, count: k)
        for (i, j) in pairs {
            observed[i * k + j] += 1
            rowCounts[i] += 1
            columnCounts[j] += 1
        }
        let n = Double(pairs.count)
        var weightedObserved = 0.0, weightedExpected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let weight: Double
                switch weighting {
                case .none: weight = i == j ? 0 : 1
                case .linear: weight = Double(abs(i - j))
                case .quadratic: weight = Double((i - j) * (i - j))
                }
                weightedObserved += weight * observed[i * k + j]
                weightedExpected += weight * rowCounts[i] * columnCounts[j] / n
            }
        }
        guard weightedExpected > 0 else { return nil }
        return 1 - weightedObserved / weightedExpected
    }
}

/// How far a judge agrees with people on the items both labelled: raw agreement, κ with a
/// percentile bootstrap interval (items resampled with replacement), and the base rate — the share
/// of the most common human label, which a judge that always said it would reach in raw agreement.
public struct RaterAgreement: Codable, Sendable, Equatable {
    public var items: Int
    public var rawAgreement: Double
    public var kappa: Double?
    public var kappaLow: Double?
    public var kappaHigh: Double?
    public var baseRate: Double
    /// The most common human label, whose share `baseRate` is.
    public var majorityLabel: String

    enum CodingKeys: String, CodingKey {
        case items, kappa, rawAgreement = "raw_agreement", kappaLow = "kappa_low", kappaHigh = "kappa_high"
        case baseRate = "base_rate", majorityLabel = "majority_label"
    }

    /// - Parameters: `judge[i]` and `human[i]` label item i; `labels` in scale order. Resamples where
    ///   κ is undefined are left out of the interval.
    public init?(judge: [String], human: [String], labels: [String], weighting: CohenKappa.Weighting = .none,
                 resamples: Int = 1000, seed: UInt64 = 12345) {
        let index = Dictionary(labels.enumerated().map { ($1, $0) }) { first, _ in first }
        let pairs = zip(judge, human).compactMap { a, b -> (Int, Int)? in
            guard let i = index[a], let j = index[b] else { return nil }
            return (i, j)
        }
        guard !pairs.isEmpty else { return nil }
        items = pairs.count
        rawAgreement = Double(pairs.filter { $0.0 == $0.1 }.count) / Double(pairs.count)
        var humanCounts = [Int](repeating: 0, count: labels.count)
        for (_, j) in pairs { humanCounts[j] += 1 }
        let majority = humanCounts.indices.max { humanCounts[$0] < humanCounts[$1] || (humanCounts[$0] == humanCounts[$1] && $0 > $1) }!
        majorityLabel = labels[majority]
        baseRate = Double(humanCounts[majority]) / Double(pairs.count)
        kappa = CohenKappa.kappa(pairs: pairs, labelCount: labels.count, weighting: weighting)
        var generator = Xoshiro256(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        for _ in 0..<max(0, resamples) {
            let sample = (0..<pairs.count).map { _ in pairs[generator.index(below: pairs.count)] }
            if let value = CohenKappa.kappa(pairs: sample, labelCount: labels.count, weighting: weighting) { draws.append(value) }
        }
        draws.sort()
        if draws.count >= 20 {
            kappaLow = draws[Int((0.025 * Double(draws.count)).rounded(.down))]
            kappaHigh = draws[min(draws.count - 1, Int((0.975 * Double(draws.count)).rounded(.down)))]
        }
    }
}
