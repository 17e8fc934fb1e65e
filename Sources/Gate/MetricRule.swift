/// One metric's gate, with the semantics of MLflow's `MetricThreshold` phrased as tolerances:
/// an absolute floor (a ceiling when lower is better), the largest allowed worsening against the
/// baseline (absolute and relative), and optionally a significance requirement before a worsening
/// counts at all. Every limit is optional; a rule with none only asks that the metric be present.
public struct MetricRule: Codable, Sendable, Equatable {
    /// Metric name as evaluations report it ("em", "bleu", "chrf", "chrf++" or any other).
    public var metric: String
    /// Absolute floor when greater is better, ceiling when lower is better; the limit itself passes.
    public var floor: Double?
    /// Largest allowed worsening against the baseline, in the metric's own units.
    public var maxDrop: Double?
    /// Largest allowed worsening as a fraction of |baseline| (0.05 allows 5 %).
    public var maxRelativeDrop: Double?
    /// False for metrics where smaller is better (error rates, latency).
    public var greaterIsBetter: Bool
    /// When set, a worsening beyond `maxDrop`/`maxRelativeDrop` fails only if the paired test's
    /// p-value is below this alpha; p equal to alpha is not significant.
    public var significanceAlpha: Double?

    public init(metric: String, floor: Double? = nil, maxDrop: Double? = nil, maxRelativeDrop: Double? = nil,
                greaterIsBetter: Bool = true, significanceAlpha: Double? = nil) {
        self.metric = metric
        self.floor = floor
        self.maxDrop = maxDrop
        self.maxRelativeDrop = maxRelativeDrop
        self.greaterIsBetter = greaterIsBetter
        self.significanceAlpha = significanceAlpha
    }

    /// The rule in a few symbols for report tables, e.g. "≥ 20.00; drop ≤ 1.00; p < 0.05".
    public var summary: String {
        var parts: [String] = []
        if let floor { parts.append("\(greaterIsBetter ? "≥" : "≤") \(formatValue(floor))") }
        if let maxDrop { parts.append("drop ≤ \(formatValue(maxDrop))") }
        if let maxRelativeDrop { parts.append("drop ≤ \(formatPercent(maxRelativeDrop))") }
        if let significanceAlpha, maxDrop != nil || maxRelativeDrop != nil {
            parts.append("if p < \(formatAlpha(significanceAlpha))")
        }
        return parts.isEmpty ? "present" : parts.joined(separator: "; ")
    }
}

/// Serving budgets for the candidate; nil means no budget.
public struct Budgets: Codable, Sendable, Equatable {
    /// Largest allowed 95th-percentile latency of one request, in seconds.
    public var p95LatencySeconds: Double?
    /// Largest allowed cost of 1,000 requests, in the currency of the experiment's CPU-hour price.
    public var costPerThousandRequests: Double?

    public init(p95LatencySeconds: Double? = nil, costPerThousandRequests: Double? = nil) {
        self.p95LatencySeconds = p95LatencySeconds
        self.costPerThousandRequests = costPerThousandRequests
    }

    public var isEmpty: Bool { p95LatencySeconds == nil && costPerThousandRequests == nil }
}

/// Latency and cost of serving one model, as measured by an evaluation.
public struct ServingFigures: Codable, Sendable, Equatable {
    public var p50LatencySeconds: Double?
    public var p95LatencySeconds: Double?
    public var costPerThousandRequests: Double?
    /// Streaming endpoints: seconds to the first content token.
    public var p50TimeToFirstTokenSeconds: Double?
    public var p95TimeToFirstTokenSeconds: Double?
    /// Endpoints: share of requests unanswered after their retries.
    public var errorRate: Double?

    public init(p50LatencySeconds: Double? = nil, p95LatencySeconds: Double? = nil, costPerThousandRequests: Double? = nil,
                p50TimeToFirstTokenSeconds: Double? = nil, p95TimeToFirstTokenSeconds: Double? = nil, errorRate: Double? = nil) {
        self.p50LatencySeconds = p50LatencySeconds
        self.p95LatencySeconds = p95LatencySeconds
        self.costPerThousandRequests = costPerThousandRequests
        self.p50TimeToFirstTokenSeconds = p50TimeToFirstTokenSeconds
        self.p95TimeToFirstTokenSeconds = p95TimeToFirstTokenSeconds
        self.errorRate = errorRate
    }

    /// The slowest, dearest and least reliable of several eval sets' figures: what a budget must hold for.
    public static func worst(_ figures: [ServingFigures]) -> ServingFigures {
        ServingFigures(p50LatencySeconds: figures.compactMap(\.p50LatencySeconds).max(),
                       p95LatencySeconds: figures.compactMap(\.p95LatencySeconds).max(),
                       costPerThousandRequests: figures.compactMap(\.costPerThousandRequests).max(),
                       p50TimeToFirstTokenSeconds: figures.compactMap(\.p50TimeToFirstTokenSeconds).max(),
                       p95TimeToFirstTokenSeconds: figures.compactMap(\.p95TimeToFirstTokenSeconds).max(),
                       errorRate: figures.compactMap(\.errorRate).max())
    }
}

/// One metric on one eval set for the baseline and the candidate. Nil values are missing results.
public struct MetricComparison: Codable, Sendable, Equatable {
    public var evalSet: String
    public var metric: String
    public var baseline: Double?
    public var candidate: Double?
    /// Paired test (bootstrap or approximate randomization) of candidate against baseline.
    public var pValue: Double?
    /// One-sided paired test that the candidate scores lower (`PairedDifference`); when present it
    /// is the p-value a greater-is-better rule tests, since only a worsening trips a rule.
    public var worseningPValue: Double?
    /// The tested p-value after the decision's multiple-testing correction; nil when not corrected.
    public var adjustedPValue: Double?

    public init(evalSet: String, metric: String, baseline: Double?, candidate: Double?, pValue: Double? = nil,
                worseningPValue: Double? = nil, adjustedPValue: Double? = nil) {
        self.evalSet = evalSet
        self.metric = metric
        self.baseline = baseline
        self.candidate = candidate
        self.pValue = pValue
        self.worseningPValue = worseningPValue
        self.adjustedPValue = adjustedPValue
    }

    /// The p-value a rule's significance is tested with: the one-sided worsening p for a
    /// greater-is-better rule when there is one, else the paired test's own.
    public func testedPValue(greaterIsBetter: Bool) -> Double? {
        (greaterIsBetter ? worseningPValue : nil) ?? pValue
    }
}
