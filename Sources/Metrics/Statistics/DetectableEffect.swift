import Foundation

/// How small a drop a paired comparison on this holdout could see: the minimum detectable effect
/// at a significance level with a given power (80% by convention).
///
/// Estimated from the paired per-example statistics: the standard error of the candidate −
/// baseline corpus-score difference is the standard deviation of that difference over paired
/// bootstrap resamples (the same resampling as the paired test, so it works for corpus-level
/// metrics such as chrF and macro-F1 too); the power calculation is then the normal
/// approximation for a one-sided test, MDE = (z₁₋α + z_power)·SE — one-sided because a rule trips
/// only on a drop, tested with `PairedDifference.worseningPValue`.
public struct DetectableEffect: Codable, Sendable, Equatable {
    public var examples: Int
    public var significance: Double
    public var power: Double
    /// Bootstrap standard error of the score difference, in metric points.
    public var standardError: Double
    /// The smallest true drop detected with `power` at `significance`, in metric points.
    public var minimumDrop: Double

    public init(examples: Int, significance: Double, power: Double, standardError: Double) {
        self.examples = examples
        self.significance = significance
        self.power = power
        self.standardError = standardError
        self.minimumDrop = Self.multiplier(significance: significance, power: power) * standardError
    }

    /// z₁₋α + z_power: 2.49 for α = 0.05 and 80% power.
    public static func multiplier(significance: Double, power: Double) -> Double {
        NormalQuantile.of(1 - significance) + NormalQuantile.of(power)
    }

    /// Examples needed to detect a drop of `drop` points with the same power, assuming the
    /// per-example spread stays the same: the standard error shrinks as 1/√n, so n·(MDE/drop)².
    /// Nil for a drop of 0 or less (no finite holdout can tell a zero drop from noise).
    public func examplesNeeded(toDetect drop: Double) -> Int? {
        guard drop > 0, drop.isFinite else { return nil }
        let ratio = minimumDrop / drop
        return Int((Double(examples) * ratio * ratio).rounded(.up))
    }
}

/// The minimum detectable effect of comparing `system` with `baseline` on these paired segments;
/// nil when fewer than two segments or no resample moves the difference (no example changed, so
/// the noise cannot be estimated from the pair).
public func detectableEffect(metric: any CorpusMetric, baseline: SegmentStatistics, system: SegmentStatistics,
                             significance: Double, power: Double = 0.8, resamples: Int = 1000,
                             seed: UInt64 = 12345) -> DetectableEffect? {
    guard baseline.segmentCount >= 2 else { return nil }
    let paired = pairedDifference(metric: metric, baseline: baseline, system: system, resamples: resamples, seed: seed)
    return detectableEffect(paired, examples: baseline.segmentCount, significance: significance, power: power)
}

/// The same from an already computed `PairedDifference`.
public func detectableEffect(_ paired: PairedDifference, examples: Int, significance: Double,
                             power: Double = 0.8) -> DetectableEffect? {
    guard paired.standardError > 0, paired.standardError.isFinite else { return nil }
    return DetectableEffect(examples: examples, significance: significance, power: power, standardError: paired.standardError)
}
