import Dispatch

/// The outcome of comparing a system with the baseline on the same segments.
public struct PairedTestResult: Codable, Sendable, Equatable {
    public var baselineScore: Double
    public var systemScore: Double
    /// Probability of a difference at least this large if the systems were equally good.
    public var pValue: Double
    /// Bootstrap intervals from the same resamples (paired bootstrap only).
    public var baselineCI: ConfidenceInterval?
    public var systemCI: ConfidenceInterval?
}

/// Paired bootstrap resampling (Koehn 2004) as sacrebleu defines it: both systems are scored on the
/// same `resamples` resampled corpora; the p-value is the share of resamples whose absolute score
/// difference, centred on the mean resampled difference, exceeds the observed difference:
/// (count + 1) / (resamples + 1).
public func pairedBootstrap(metric: any CorpusMetric, baseline: SegmentStatistics, system: SegmentStatistics,
                            resamples: Int = 1000, seed: UInt64 = 12345) -> PairedTestResult {
    precondition(baseline.segmentCount == system.segmentCount, "paired tests need the same segments")
    let baselineScore = metric.score(totals: baseline.totals())
    let systemScore = metric.score(totals: system.totals())
    let observed = abs(baselineScore - systemScore)
    let scores = Resampling.resampledScores(metric: metric, tables: [baseline, system], resamples: resamples, seed: seed)
    let differences = zip(scores[1], scores[0]).map { abs($0 - $1) }
    let meanDifference = differences.isEmpty ? 0 : differences.reduce(0, +) / Double(differences.count)
    let exceeding = differences.filter { $0 - meanDifference > observed }.count
    return PairedTestResult(baselineScore: baselineScore, systemScore: systemScore,
                            pValue: Double(exceeding + 1) / Double(resamples + 1),
                            baselineCI: Resampling.interval(scores[0]), systemCI: Resampling.interval(scores[1]))
}

/// Paired approximate randomization (Riezler & Maxwell 2005) as sacrebleu defines it: in each of
/// `trials`, every segment's pair of outputs is swapped between the systems with probability ½; the
/// p-value is (number of trials whose absolute score difference exceeds the observed one + 1) /
/// (trials + 1).
public func pairedApproximateRandomization(metric: any CorpusMetric, baseline: SegmentStatistics,
                                           system: SegmentStatistics, trials: Int = 10000,
                                           seed: UInt64 = 12345) -> PairedTestResult {
    precondition(baseline.segmentCount == system.segmentCount, "paired tests need the same segments")
    let width = baseline.width
    let baselineTotals = baseline.totals(), systemTotals = system.totals()
    let baselineScore = metric.score(totals: baselineTotals)
    let systemScore = metric.score(totals: systemTotals)
    let observed = abs(baselineScore - systemScore)
    // Swapping a segment whose rows are equal changes nothing, so only differing rows are drawn for.
    var differences: [Double] = []  // (differing segments, width): baseline − system
    for segment in 0..<baseline.segmentCount {
        let a = baseline.row(segment), b = system.row(segment)
        if a != b { differences.append(contentsOf: zip(a, b).map { $0 - $1 }) }
    }
    let differing = differences.count / width
    let exceeding = UnsafeMutableBufferPointer<Bool>.allocate(capacity: trials)
    defer { exceeding.deallocate() }
    Resampling.forEachTask(trials, seed: seed) { trial, rng in
        // shuffled A takes the baseline row where the coin says so, B takes the other one.
        var shift = [Double](repeating: 0, count: width)
        var bits: UInt64 = 0
        for segment in 0..<differing {
            if segment % 64 == 0 { bits = rng.next() }
            if bits & 1 == 1 {
                for column in 0..<width { shift[column] += differences[segment * width + column] }
            }
            bits >>= 1
        }
        var a = systemTotals, b = baselineTotals
        for column in 0..<width {
            a[column] += shift[column]
            b[column] -= shift[column]
        }
        exceeding[trial] = abs(metric.score(totals: a) - metric.score(totals: b)) > observed
    }
    let count = exceeding.filter { $0 }.count
    return PairedTestResult(baselineScore: baselineScore, systemScore: systemScore,
                            pValue: Double(count + 1) / Double(trials + 1))
}
