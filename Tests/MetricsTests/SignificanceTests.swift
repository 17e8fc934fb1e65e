import Foundation
import Metrics
import Testing

/// sacrebleu draws its resamples from numpy's generator and Tollgate from its own, so intervals
/// and p-values agree within a statistical tolerance: 0.5 points for interval bounds and means,
/// 0.05 for p-values.
@Suite struct SignificanceTests {
    static let boundTolerance = 0.5
    static let pValueTolerance = 0.05

    static func metric(_ name: String) -> any CorpusMetric { name == "BLEU" ? BLEU() : ChrF() }

    static func statistics(_ metric: any CorpusMetric, _ system: String) throws -> SegmentStatistics {
        try metric.statistics(hypotheses: MetricCases.hypotheses(system), references: [MetricCases.references[0]])
    }

    @Test func bootstrapIntervalOfSystemAMatchesSacrebleu() throws {
        let expected = try #require(MetricCases.json["bootstrap_ci_sysA"] as? [String: Any])
        let bleu = BLEU()
        let statistics = try Self.statistics(bleu, "sysA")
        let ci = bootstrapCI(metric: bleu, statistics: statistics, resamples: 1000, seed: 12345)
        let mean = expected["mean"] as! Double, halfWidth = expected["ci"] as! Double
        #expect(abs(bleu.score(totals: statistics.totals()) - (expected["score"] as! Double)) <= 1e-9)
        #expect(abs(ci.mean - mean) <= Self.boundTolerance, "mean \(ci.mean) vs \(mean)")
        #expect(abs(ci.halfWidth - halfWidth) <= Self.boundTolerance, "± \(ci.halfWidth) vs \(halfWidth)")
        #expect(abs(ci.low - (mean - halfWidth)) <= Self.boundTolerance, "low \(ci.low)")
        #expect(abs(ci.high - (mean + halfWidth)) <= Self.boundTolerance, "high \(ci.high)")
        #expect(ci.level == 0.95)
    }

    @Test func bootstrapIsReproducibleForASeedAndVariesAcrossSeeds() throws {
        let bleu = BLEU()
        let statistics = try Self.statistics(bleu, "sysA")
        let first = bootstrapCI(metric: bleu, statistics: statistics, resamples: 200, seed: 7)
        #expect(first == bootstrapCI(metric: bleu, statistics: statistics, resamples: 200, seed: 7))
        #expect(first != bootstrapCI(metric: bleu, statistics: statistics, resamples: 200, seed: 8))
    }

    @Test(arguments: ["BLEU", "chrF2"])
    func pairedBootstrapPValuesMatchSacrebleu(metricName: String) throws {
        let expected = try #require(((MetricCases.json["paired"] as? [String: Any])?["paired_bs"] as? [String: Any])?[metricName] as? [String: Any])
        let metric = Self.metric(metricName)
        let baseline = try Self.statistics(metric, "baseline")
        for system in ["sysA", "sysB", "sysC"] {
            let row = expected[system] as! [String: Any]
            let result = pairedBootstrap(metric: metric, baseline: baseline, system: try Self.statistics(metric, system))
            #expect(abs(result.systemScore - (row["score"] as! Double)) <= 1e-9)
            #expect(abs(result.pValue - (row["p_value"] as! Double)) <= Self.pValueTolerance,
                    "\(metricName) \(system): p \(result.pValue) vs \(row["p_value"]!)")
            let ci = try #require(result.systemCI)
            #expect(abs(ci.mean - (row["mean"] as! Double)) <= Self.boundTolerance)
            #expect(abs(ci.halfWidth - (row["ci"] as! Double)) <= Self.boundTolerance)
            let baselineRow = expected["baseline"] as! [String: Any]
            #expect(abs(result.baselineCI!.mean - (baselineRow["mean"] as! Double)) <= Self.boundTolerance)
        }
    }

    @Test(arguments: ["BLEU", "chrF2"])
    func pairedApproximateRandomizationPValuesMatchSacrebleu(metricName: String) throws {
        let expected = try #require(((MetricCases.json["paired"] as? [String: Any])?["paired_ar"] as? [String: Any])?[metricName] as? [String: Any])
        let metric = Self.metric(metricName)
        let baseline = try Self.statistics(metric, "baseline")
        for system in ["sysA", "sysB", "sysC"] {
            let row = expected[system] as! [String: Any]
            let result = pairedApproximateRandomization(metric: metric, baseline: baseline,
                                                        system: try Self.statistics(metric, system))
            #expect(abs(result.pValue - (row["p_value"] as! Double)) <= Self.pValueTolerance,
                    "\(metricName) \(system): p \(result.pValue) vs \(row["p_value"]!)")
        }
    }

    /// With identical systems no trial exceeds the zero observed difference, so sacrebleu's
    /// (count + 1) / (n + 1) is 1 / (n + 1) for randomization; the centred bootstrap differences
    /// are all zero too.
    @Test func identicalSystemsGiveTheSmallestCountPossible() throws {
        let bleu = BLEU()
        let baseline = try Self.statistics(bleu, "baseline")
        #expect(pairedApproximateRandomization(metric: bleu, baseline: baseline, system: baseline, trials: 500).pValue == 1.0 / 501)
        #expect(pairedBootstrap(metric: bleu, baseline: baseline, system: baseline, resamples: 500).pValue == 1.0 / 501)
    }
}
