/// Macro-averaged F1 over a fixed label set: the unweighted mean of each label's F1, as
/// scikit-learn's `f1_score(average="macro", labels=labels)` computes it. The labels are the
/// reference labels, so an answer outside them (a garbled label) counts against its reference's
/// recall without becoming a class of its own. A label with no true or predicted example has
/// F1 0 (scikit-learn's zero_division default). Each segment's first reference is its label.
///
/// Statistics row (3K numbers for K labels): true positives, false positives, false negatives per
/// label; column sums give the confusion counts, so bootstrap and paired tests work as for any
/// other metric. The segment score is 1 when the answer is its label, else 0.
public struct MacroF1: CorpusMetric {
    /// Normalised labels, sorted.
    public let labels: [String]
    public let options: ExactMatchOptions
    private let index: [String: Int]

    public init(labels: [String], options: ExactMatchOptions = ExactMatchOptions()) {
        let normalized = Array(Set(labels.map(options.normalize.normalizedString))).sorted()
        self.labels = normalized
        self.options = options
        self.index = Dictionary(uniqueKeysWithValues: normalized.enumerated().map { ($1, $0) })
    }

    public var kind: MetricKind { .macroF1 }
    public var name: String { "macroF1" }
    /// At least one column, so a metric built without labels still has well-formed rows.
    public var statisticsWidth: Int { max(1, 3 * labels.count) }
    public var signatureSettings: String { "labels:\(labels.count)|norm:\(options.normalize.rawValue)" }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        for column in row.indices { row[column] = 0 }
        let k = labels.count
        guard k > 0, let first = references.first else { return }
        let predicted = options.normalize.normalizedString(hypothesis)
        let truth = index[options.normalize.normalizedString(first)]
        let guess = index[predicted]
        if let truth, guess == truth {
            row[truth] = 1
            return
        }
        if let guess { row[k + guess] = 1 }
        if let truth { row[2 * k + truth] = 1 }
    }

    public func score(totals: [Double]) -> Double {
        let k = labels.count
        guard k > 0, totals.count >= 3 * k else { return 0 }
        var sum = 0.0
        for label in 0..<k {
            let tp = totals[label], fp = totals[k + label], fn = totals[2 * k + label]
            let denominator = 2 * tp + fp + fn
            if denominator > 0 { sum += 2 * tp / denominator }
        }
        return 100 * sum / Double(k)
    }

    public func segmentScore(row: [Double]) -> Double {
        row.prefix(labels.count).contains { $0 > 0 } ? 1 : 0
    }
}
