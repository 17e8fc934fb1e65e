/// A metric value of one run on one eval set.
public struct MetricValue: Codable, Sendable, Equatable {
    public var evalSet: String
    public var metric: String
    public var value: Double

    public init(evalSet: String, metric: String, value: Double) {
        self.evalSet = evalSet
        self.metric = metric
        self.value = value
    }
}

/// The metrics of one run of an experiment and the gate's verdict on it (nil when it was not gated).
public struct RunMetrics: Codable, Sendable, Equatable {
    public var runId: String
    public var verdict: Verdict?
    public var values: [MetricValue]

    public init(runId: String, verdict: Verdict?, values: [MetricValue]) {
        self.runId = runId
        self.verdict = verdict
        self.values = values
    }

    public func value(evalSet: String, metric: String) -> Double? {
        values.first { $0.evalSet == evalSet && $0.metric == metric }?.value
    }
}

/// Tonight's value of one metric against the pinned baseline and the median of recent GO runs.
public struct DriftEntry: Codable, Sendable, Equatable {
    public var evalSet: String
    public var metric: String
    public var tonight: Double
    public var pinned: Double?
    /// tonight − pinned.
    public var changeFromPinned: Double?
    /// Median over the recent GO runs that reported this metric.
    public var recentGoMedian: Double?
    /// tonight − median.
    public var changeFromRecentGoMedian: Double?
    /// How many recent GO runs reported this metric (the median's sample size).
    public var recentGoCount: Int
}

/// Drift of every metric tonight reported.
public struct DriftReport: Codable, Sendable, Equatable {
    public var tonightRunId: String
    public var pinnedRunId: String?
    /// The GO runs the medians were taken over, oldest first.
    public var recentGoRunIds: [String]
    public var entries: [DriftEntry]
}

/// Compares tonight with a pinned baseline run and with the median of the last `recentGoLimit` GO runs.
/// - Parameter history: earlier runs of the experiment, oldest first; tonight's run id is skipped if present.
public func computeDrift(tonight: RunMetrics, pinned: RunMetrics?, history: [RunMetrics],
                         recentGoLimit: Int) -> DriftReport {
    let recentGo = Array(history.filter { $0.verdict == .go && $0.runId != tonight.runId }
        .suffix(max(0, recentGoLimit)))
    let entries = tonight.values.map { current -> DriftEntry in
        let pinnedValue = pinned?.value(evalSet: current.evalSet, metric: current.metric)
        let recentValues = recentGo.compactMap { $0.value(evalSet: current.evalSet, metric: current.metric) }
        let recentMedian = median(recentValues)
        return DriftEntry(evalSet: current.evalSet, metric: current.metric, tonight: current.value,
                          pinned: pinnedValue, changeFromPinned: pinnedValue.map { current.value - $0 },
                          recentGoMedian: recentMedian, changeFromRecentGoMedian: recentMedian.map { current.value - $0 },
                          recentGoCount: recentValues.count)
    }
    return DriftReport(tonightRunId: tonight.runId, pinnedRunId: pinned?.runId,
                       recentGoRunIds: recentGo.map(\.runId), entries: entries)
}

/// Median of the values (mean of the middle two for an even count); nil when empty.
public func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

extension DriftReport {
    /// Tonight's numbers as `MetricComparison`s against the recent-GO median (or the pinned run),
    /// so the same `GatePolicy` can gate drift over time. Entries without that reference get a nil
    /// baseline, which the drop rules report as missing.
    public func comparisons(againstRecentGoMedian: Bool) -> [MetricComparison] {
        entries.map { entry in
            MetricComparison(evalSet: entry.evalSet, metric: entry.metric,
                             baseline: againstRecentGoMedian ? entry.recentGoMedian : entry.pinned,
                             candidate: entry.tonight)
        }
    }
}
