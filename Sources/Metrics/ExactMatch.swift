/// Exact match's settings.
public struct ExactMatchOptions: Codable, Sendable, Equatable {
    public var normalize: AnswerNormalization
    public init(normalize: AnswerNormalization = .exact) { self.normalize = normalize }
}

/// Exact match: 1 when the normalised prediction equals any normalised gold (the maximum over the
/// reference sets), else 0. Statistics row: [match, 1]; the corpus score is the percentage.
public struct ExactMatch: CorpusMetric {
    public let options: ExactMatchOptions
    public init(_ options: ExactMatchOptions = ExactMatchOptions()) { self.options = options }

    public var kind: MetricKind { .exactMatch }
    public var name: String { "EM" }
    public var statisticsWidth: Int { 2 }
    public var signatureSettings: String { "norm:\(options.normalize.rawValue)" }

    /// 1 or 0 for one prediction against its golds.
    public func match(prediction: String, golds: [String]) -> Double {
        let normalized = options.normalize.normalize(prediction)
        return golds.contains { options.normalize.normalize($0) == normalized } ? 1 : 0
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        row[0] = match(prediction: hypothesis, golds: references)
        row[1] = 1
    }

    public func score(totals: [Double]) -> Double { totals[1] > 0 ? 100 * totals[0] / totals[1] : 0 }
    public func segmentScore(row: [Double]) -> Double { row[0] }
}
