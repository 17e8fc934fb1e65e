/// Whether an eval set is a classification task: its references come from a small set of labels.
public enum LabelSet {
    /// More distinct references than this and the set is treated as free text.
    public static let maximumLabels = 50
    /// Each label must be seen this often, so a one-off answer is not mistaken for a class.
    public static let minimumOccurrences = 2

    /// The labels, sorted, when every example has exactly one reference and the normalised
    /// references take at most `maximumLabels` distinct values, each at least
    /// `minimumOccurrences` times; nil otherwise (and for fewer than two labels).
    public static func detect(_ references: [[String]], normalize: AnswerNormalization) -> [String]? {
        guard !references.isEmpty, references.allSatisfy({ $0.count == 1 }) else { return nil }
        var counts: [String: Int] = [:]
        for golds in references {
            counts[normalize.normalizedString(golds[0]), default: 0] += 1
            if counts.count > maximumLabels { return nil }
        }
        guard counts.count >= 2, counts.values.allSatisfy({ $0 >= minimumOccurrences }) else { return nil }
        return counts.keys.sorted()
    }

    /// Every distinct normalised first reference, sorted: the label set a macro-F1 averages over.
    public static func labels(of references: [[String]], normalize: AnswerNormalization) -> [String] {
        Array(Set(references.compactMap(\.first).map(normalize.normalizedString))).sorted()
    }
}
