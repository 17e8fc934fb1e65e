/// Holm's step-down correction (Holm 1979) for a family of tests decided together: it holds the
/// chance of any false rejection in the family (the family-wise error rate) at the level each
/// adjusted p-value is compared with, whatever the dependence between the tests.
public enum HolmBonferroni {
    /// Adjusted p-values, in the order given. With the m p-values sorted ascending as p₍₁₎ … p₍ₘ₎,
    /// the adjusted p₍ᵢ₎ is maxⱼ≤ᵢ min(1, (m − j + 1)·p₍ⱼ₎): the smallest is multiplied by m, the
    /// next by m − 1, and so on, never falling below an earlier one (step-down monotonicity).
    /// Rejecting where the adjusted p is below α is Holm's procedure at level α. Ties keep input
    /// order; non-finite p-values are returned unchanged and left out of the family.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let members = pValues.indices.filter { pValues[$0].isFinite }
        let order = members.sorted { pValues[$0] != pValues[$1] ? pValues[$0] < pValues[$1] : $0 < $1 }
        var adjusted = pValues
        var running = 0.0
        for (rank, index) in order.enumerated() {
            let scaled = min(1, Double(order.count - rank) * pValues[index])
            running = max(running, scaled)
            adjusted[index] = running
        }
        return adjusted
    }
}
