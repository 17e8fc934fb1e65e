import Foundation
import Metrics
import Testing

@Suite struct MultipleTestingTests {
    @Test func holmMultipliesTheSmallestByMAndKeepsStepDownOrder() {
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → raised to 0.06.
        let adjusted = HolmBonferroni.adjust([0.01, 0.04, 0.03, 0.005])
        let expected = [0.03, 0.06, 0.06, 0.02]
        for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-12, "\(adjusted)") }
    }

    @Test func holmCapsAtOneAndLeavesNonFiniteValuesOut() {
        let adjusted = HolmBonferroni.adjust([0.5, .nan, 0.6])
        #expect(adjusted[0] == 1 && adjusted[2] == 1)
        #expect(adjusted[1].isNaN)
        #expect(HolmBonferroni.adjust([0.02]) == [0.02], "a family of one is not adjusted")
        #expect(HolmBonferroni.adjust([]) == [])
    }

    @Test func normalQuantileMatchesTables() {
        #expect(abs(NormalQuantile.of(0.975) - 1.959963985) < 1e-8)
        #expect(abs(NormalQuantile.of(0.8) - 0.841621234) < 1e-8)
        #expect(abs(NormalQuantile.of(0.05) + 1.644853627) < 1e-8)
        #expect(abs(NormalQuantile.of(0.001) + 3.090232306) < 1e-8)
    }
}

@Suite struct PairedDifferenceTests {
    static func table(_ correct: [Int]) -> SegmentStatistics {
        SegmentStatistics(width: 2, values: correct.flatMap { [Double($0), 1] })
    }

    @Test func aClearDropHasASmallWorseningPAndAClearGainALargeOne() {
        let baseline = Self.table(Array(repeating: 1, count: 40) + Array(repeating: 0, count: 10))
        let worse = Self.table(Array(repeating: 1, count: 25) + Array(repeating: 0, count: 25))
        let drop = pairedDifference(metric: ExactMatch(), baseline: baseline, system: worse)
        #expect(abs(drop.difference + 30) < 1e-9)
        #expect(drop.worseningPValue < 0.01)
        let gain = pairedDifference(metric: ExactMatch(), baseline: worse, system: baseline)
        #expect(gain.worseningPValue > 0.99)
        #expect(abs(drop.standardError - gain.standardError) < 1e-9)
    }

    @Test func identicalSystemsAreNeverWorse() {
        let same = Self.table([1, 0, 1, 1, 0])
        let result = pairedDifference(metric: ExactMatch(), baseline: same, system: same)
        #expect(result.worseningPValue == 1 && result.standardError == 0)
    }
}
