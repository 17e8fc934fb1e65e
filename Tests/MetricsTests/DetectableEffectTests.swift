import Foundation
import Metrics
import Testing

/// The minimum detectable effect against a simulation: holdouts of the same size whose true drop
/// is a multiple of the predicted MDE, tested with the gate's own test (one-sided paired bootstrap,
/// 1,000 resamples, p < α). The drop detected 80% of the time must be within 15% of the MDE.
@Suite struct DetectableEffectTests {
    static let examples = 210
    /// A fifth of the examples change outcome between the two systems.
    static let discordance = 0.2

    static func table(_ correct: [Bool]) -> SegmentStatistics {
        SegmentStatistics(width: 2, values: correct.flatMap { [$0 ? 1 : 0, 1] })
    }

    static func uniform(_ rng: inout Xoshiro256) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// Baseline and candidate outcomes where the candidate is worse on a share `worse` of the
    /// examples and better on `better`; the rest agree (right 55% of the time).
    static func pair(worse: Double, better: Double, rng: inout Xoshiro256) -> (SegmentStatistics, SegmentStatistics) {
        var baseline: [Bool] = [], candidate: [Bool] = []
        for _ in 0..<examples {
            let u = uniform(&rng)
            if u < worse { baseline.append(true); candidate.append(false) }
            else if u < worse + better { baseline.append(false); candidate.append(true) }
            else { let right = uniform(&rng) < 0.55; baseline.append(right); candidate.append(right) }
        }
        return (table(baseline), table(candidate))
    }

    @Test func minimumDetectableEffectAgreesWithASimulationOfTheSameHoldoutSize() throws {
        // The holdout the MDE is read from: 21 examples worse, 21 better, no net change.
        let changed = Int(Self.discordance * Double(Self.examples)) / 2
        let baseline = (0..<Self.examples).map { $0 < changed || ($0 >= 2 * changed && $0 % 2 == 0) }
        let candidate = (0..<Self.examples).map { ($0 >= changed && $0 < 2 * changed) || ($0 >= 2 * changed && $0 % 2 == 0) }
        let effect = try #require(detectableEffect(metric: ExactMatch(), baseline: Self.table(baseline),
                                                   system: Self.table(candidate), significance: 0.05))
        #expect(effect.minimumDrop > 5 && effect.minimumDrop < 10, "MDE \(effect.minimumDrop)")

        var rng = Xoshiro256(seed: 2024)
        var power: [(factor: Double, power: Double)] = []
        for factor in [0.7, 0.85, 1.0, 1.15, 1.3] {
            let drop = factor * effect.minimumDrop / 100
            var detected = 0
            let trials = 400
            for trial in 0..<trials {
                let (base, system) = Self.pair(worse: (Self.discordance + drop) / 2, better: (Self.discordance - drop) / 2, rng: &rng)
                let test = pairedDifference(metric: ExactMatch(), baseline: base, system: system, resamples: 1000, seed: UInt64(trial))
                if test.worseningPValue < 0.05 { detected += 1 }
            }
            power.append((factor, Double(detected) / Double(trials)))
        }
        // The factor where the simulated power crosses 80%, by linear interpolation.
        let crossing = try #require(zip(power, power.dropFirst()).first { $0.power < 0.8 && $1.power >= 0.8 })
        let factor80 = crossing.0.factor + (0.8 - crossing.0.power) / (crossing.1.power - crossing.0.power)
            * (crossing.1.factor - crossing.0.factor)
        print("MDE \(effect.minimumDrop) points (SE \(effect.standardError)); simulated power by factor: \(power); 80% at \(factor80) × MDE")
        #expect(abs(factor80 - 1) <= 0.15, "80% power at \(factor80) × the predicted MDE")
    }

    @Test func examplesNeededScaleWithTheSquareOfTheRatio() {
        let effect = DetectableEffect(examples: 210, significance: 0.05, power: 0.8, standardError: 1)
        #expect(abs(effect.minimumDrop - (1.6448536 + 0.8416212)) < 1e-6)
        #expect(effect.examplesNeeded(toDetect: effect.minimumDrop / 2) == 840)
        #expect(effect.examplesNeeded(toDetect: 0) == nil)
    }

    @Test func noChangedExampleGivesNoEstimate() {
        let same = Self.table([true, false, true, true])
        #expect(detectableEffect(metric: ExactMatch(), baseline: same, system: same, significance: 0.05) == nil)
    }
}
