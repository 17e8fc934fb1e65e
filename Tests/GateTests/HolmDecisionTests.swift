import Foundation
import Gate
import Metrics
import Testing

private let rule = MetricRule(metric: "em", maxDrop: 0, significanceAlpha: 0.05)

private func drops(_ pValues: [Double]) -> [MetricComparison] {
    pValues.enumerated().map { MetricComparison(evalSet: "set\($0)", metric: "em", baseline: 60, candidate: 55, pValue: $1) }
}

@Suite struct HolmDecisionTests {
    @Test func aDropTripsOnlyWhenItsAdjustedPIsBelowSignificance() {
        // 0.03 and 0.30: Holm makes the first 0.06, so neither drop is significant.
        let holm = GatePolicy(rules: [rule]).decide(comparisons: drops([0.03, 0.30]))
        #expect(holm.verdict == .go)
        #expect(holm.outcomes[0].reason.contains("p = 0.030, Holm-adjusted p = 0.060 ≥ 0.05"), "\(holm.outcomes[0].reason)")
        let perRule = GatePolicy(rules: [rule], correction: .none).decide(comparisons: drops([0.03, 0.30]))
        #expect(perRule.verdict == .noGo)
        #expect(perRule.outcomes[0].reason.contains("p = 0.030 < 0.05"))
        // 0.02 and 0.30: adjusted 0.04, still significant.
        #expect(GatePolicy(rules: [rule]).decide(comparisons: drops([0.02, 0.30])).verdict == .noGo)
    }

    @Test func rulesWithoutSignificanceStayOutOfTheFamily() {
        let policy = GatePolicy(rules: [rule, MetricRule(metric: "chrf", maxDrop: 1)])
        var comparisons = drops([0.03])
        comparisons.append(MetricComparison(evalSet: "set0", metric: "chrf", baseline: 50, candidate: 50, pValue: 0.001))
        let adjusted = policy.correction.adjust([comparisons], rules: policy.rules)[0]
        #expect(adjusted[0].adjustedPValue == 0.03)
        #expect(adjusted[1].adjustedPValue == nil)
    }

    @Test func aModelSwapFamilyIsEveryCandidateTimesEveryRule() {
        let family = MultipleTestingCorrection.holm.adjust([drops([0.01]), drops([0.02]), drops([0.5])], rules: [rule])
        let adjusted = family.map { $0[0].adjustedPValue ?? .nan }
        for (value, expected) in zip(adjusted, [0.03, 0.04, 0.5]) { #expect(abs(value - expected) < 1e-12, "\(adjusted)") }
        // Pre-adjusted comparisons are decided as they are, not adjusted again within the candidate.
        #expect(GatePolicy(rules: [rule]).decide(comparisons: family[1]).verdict == .noGo)
        let alone = GatePolicy(rules: [rule]).decide(comparisons: [MetricComparison(evalSet: "s", metric: "em", baseline: 60,
                                                                                     candidate: 55, pValue: 0.04, adjustedPValue: 0.08)])
        #expect(alone.verdict == .go)
    }
}

/// Family-wise error between systems with no true difference: 2,000 seeded pairs, each gated by
/// five significance rules on five independent eval sets (exact match, 60 examples, the one-sided
/// paired bootstrap the runner uses). Without correction the share of NO-GO decisions heads for
/// 1 − 0.95⁵ ≈ 23%; Holm's holds it at 5% (plus the simulation's sampling error).
@Suite struct FamilyWiseErrorTests {
    static let pairs = 2000, rules = 5, examples = 60

    @Test func holmHoldsTheShareOfNoGoDecisionsBetweenEqualSystemsAtFivePercent() {
        var rng = Xoshiro256(seed: 15)
        var noGo = (holm: 0, none: 0)
        let holm = GatePolicy(rules: [rule]), none = GatePolicy(rules: [rule], correction: .none)
        for pair in 0..<Self.pairs {
            var comparisons: [MetricComparison] = []
            for set in 0..<Self.rules {
                // Each system is right on each example with probability 0.6, independently.
                var baseline: [Double] = [], candidate: [Double] = []
                for _ in 0..<Self.examples {
                    baseline += [rng.next() % 5 < 3 ? 1 : 0, 1]
                    candidate += [rng.next() % 5 < 3 ? 1 : 0, 1]
                }
                // The p-value the runner gives the gate: one-sided, that the candidate is worse.
                let test = pairedDifference(metric: ExactMatch(), baseline: SegmentStatistics(width: 2, values: baseline),
                                            system: SegmentStatistics(width: 2, values: candidate), resamples: 1000,
                                            seed: UInt64(pair * Self.rules + set))
                comparisons.append(MetricComparison(evalSet: "set\(set)", metric: "em", baseline: 50,
                                                    candidate: 50 + test.difference, worseningPValue: test.worseningPValue))
            }
            if holm.decide(comparisons: comparisons).verdict == .noGo { noGo.holm += 1 }
            if none.decide(comparisons: comparisons).verdict == .noGo { noGo.none += 1 }
        }
        let holmShare = Double(noGo.holm) / Double(Self.pairs), noneShare = Double(noGo.none) / Double(Self.pairs)
        let samplingError = (0.05 * 0.95 / Double(Self.pairs)).squareRoot()
        print("NO-GO between equal systems: \(holmShare) with Holm, \(noneShare) without (sampling error \(samplingError))")
        #expect(holmShare <= 0.05 + samplingError, "with Holm \(holmShare)")
        #expect(noneShare > 0.15, "without correction \(noneShare)")
    }
}
