/// SQuAD token-level F1 between normalised prediction and gold words, the maximum over golds.
/// When either side has no words, F1 is 1 if both are empty and 0 otherwise (SQuAD v2's rule;
/// v1.1 would give 0 even for two empty answers, contradicting exact match).
public struct TokenF1: CorpusMetric {
    public let options: ExactMatchOptions
    public init(_ options: ExactMatchOptions = ExactMatchOptions(normalize: .squad)) { self.options = options }

    public var kind: MetricKind { .tokenF1 }
    public var name: String { "F1" }
    public var statisticsWidth: Int { 2 }
    public var signatureSettings: String { "norm:\(options.normalize.rawValue)" }

    private func words(_ text: String) -> [[UInt32]] {
        let scalars = options.normalize.normalize(text)
        var words: [[UInt32]] = []
        PythonText.forEachWord(in: scalars) { start, end in words.append(Array(scalars[start..<end])) }
        return words
    }

    public func f1(prediction: String, golds: [String]) -> Double {
        let predicted = words(prediction)
        var best = 0.0
        for gold in golds {
            let goldWords = words(gold)
            if predicted.isEmpty || goldWords.isEmpty {
                best = max(best, predicted.isEmpty && goldWords.isEmpty ? 1 : 0)
                continue
            }
            var remaining: [[UInt32]: Int] = [:]
            for word in goldWords { remaining[word, default: 0] += 1 }
            var common = 0
            for word in predicted where (remaining[word] ?? 0) > 0 {
                remaining[word]! -= 1
                common += 1
            }
            guard common > 0 else { continue }
            let precision = Double(common) / Double(predicted.count)
            let recall = Double(common) / Double(goldWords.count)
            best = max(best, 2 * precision * recall / (precision + recall))
        }
        return best
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        row[0] = f1(prediction: hypothesis, golds: references)
        row[1] = 1
    }

    public func score(totals: [Double]) -> Double { totals[1] > 0 ? 100 * totals[0] / totals[1] : 0 }
    public func segmentScore(row: [Double]) -> Double { row[0] }
}
