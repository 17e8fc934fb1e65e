import Metrics

/// How the p-values of one decision's significance-gated rules are corrected for being tested
/// together. Five rules each tested at 0.05 trip on noise in about 1 − 0.95⁵ ≈ 23% of decisions
/// between equal systems; Holm's step-down correction holds that chance at 5%.
public enum MultipleTestingCorrection: String, Codable, Sendable, Equatable, CaseIterable {
    /// Holm–Bonferroni over every significance-gated rule of the decision (the default).
    case holm
    /// Each rule tested on its own at its `significance`.
    case none

    /// The comparisons with `adjustedPValue` set on the members of the family: every comparison a
    /// significance-gated drop rule applies to and that has a finite tested p-value
    /// (`MetricComparison.testedPValue`), across all the
    /// groups given (a model swap passes one group per candidate, so its family is all candidates
    /// × rules). Groups come back in shape; with `.none` nothing is adjusted.
    public func adjust(_ groups: [[MetricComparison]], rules: [MetricRule]) -> [[MetricComparison]] {
        guard self == .holm else { return groups }
        let gated = rules.filter { $0.significanceAlpha != nil && ($0.maxDrop != nil || $0.maxRelativeDrop != nil) }
        var members: [(group: Int, item: Int, p: Double)] = []
        for (group, comparisons) in groups.enumerated() {
            for (item, comparison) in comparisons.enumerated() {
                guard let rule = gated.first(where: { $0.metric == comparison.metric }),
                      let p = comparison.testedPValue(greaterIsBetter: rule.greaterIsBetter), p.isFinite else { continue }
                members.append((group, item, p))
            }
        }
        let adjusted = HolmBonferroni.adjust(members.map(\.p))
        var result = groups
        for (member, p) in zip(members, adjusted) { result[member.group][member.item].adjustedPValue = p }
        return result
    }
}
