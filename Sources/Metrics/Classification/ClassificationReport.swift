/// One label's precision, recall and F1 (fractions 0–1) and how many references carry it.
public struct LabelScore: Codable, Sendable, Equatable {
    public var label: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    public init(label: String, precision: Double, recall: Double, f1: Double, support: Int) {
        self.label = label
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// A reference label answered as something else, and how often.
public struct Confusion: Codable, Sendable, Equatable {
    public var reference: String
    /// The answer as given (normalised); may be outside the label set.
    public var predicted: String
    public var count: Int

    public init(reference: String, predicted: String, count: Int) {
        self.reference = reference
        self.predicted = predicted
        self.count = count
    }
}

/// scikit-learn's `classification_report` for one system over the reference labels: per-label
/// precision, recall, F1 and support (zero_division = 0), the macro F1 over those labels, and the
/// confusions, most frequent first.
public struct ClassificationReport: Codable, Sendable, Equatable {
    public var labels: [LabelScore]
    /// 0–1, the mean of the labels' F1 (`MacroF1`'s score / 100).
    public var macroF1: Double
    /// Every (reference, answer) pair that differs, most frequent first, then by reference and answer.
    public var confusions: [Confusion]

    /// - Parameters:
    ///   - predictions: one answer per example.
    ///   - references: each example's references; the first is its label.
    ///   - labels: the label set; nil takes the distinct first references.
    public init(predictions: [String], references: [[String]], labels: [String]? = nil,
                normalize: AnswerNormalization = .strip) {
        precondition(predictions.count == references.count, "one prediction per example")
        let metric = MacroF1(labels: labels ?? LabelSet.labels(of: references, normalize: normalize),
                             options: ExactMatchOptions(normalize: normalize))
        let k = metric.labels.count
        var totals = [Double](repeating: 0, count: metric.statisticsWidth)
        var pairs: [String: [String: Int]] = [:]
        let workspace = SegmentWorkspace()
        var row = [Double](repeating: 0, count: metric.statisticsWidth)
        for (prediction, golds) in zip(predictions, references) {
            row.withUnsafeMutableBufferPointer { buffer in
                metric.segmentStatistics(hypothesis: prediction, references: golds, workspace: workspace, into: buffer)
            }
            for column in row.indices { totals[column] += row[column] }
            guard let first = golds.first else { continue }
            let truth = normalize.normalizedString(first), answer = normalize.normalizedString(prediction)
            if truth != answer { pairs[truth, default: [:]][answer, default: 0] += 1 }
        }
        self.labels = metric.labels.enumerated().map { label, name in
            let tp = totals[label], fp = totals[k + label], fn = totals[2 * k + label]
            let precision = tp + fp > 0 ? tp / (tp + fp) : 0
            let recall = tp + fn > 0 ? tp / (tp + fn) : 0
            let f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0
            return LabelScore(label: name, precision: precision, recall: recall, f1: f1, support: Int(tp + fn))
        }
        self.macroF1 = metric.score(totals: totals) / 100
        self.confusions = pairs.flatMap { reference, answers in
            answers.map { Confusion(reference: reference, predicted: $0.key, count: $0.value) }
        }.sorted {
            ($0.count, $1.reference, $1.predicted) > ($1.count, $0.reference, $0.predicted)
        }
    }
}
