import Gate
import Testing

private let policy = GatePolicy(rules: [MetricRule(metric: "em", maxDrop: 2)])

/// A candidate whose exact match is `em` against a baseline of 70.
private func candidate(_ name: String, em: Double, cost: Double?, megabytes: Int64) -> VariantCandidate {
    let decision = policy.decide(comparisons: [MetricComparison(evalSet: "holdout", metric: "em", baseline: 70, candidate: em)])
    return VariantCandidate(name: name, decision: decision, costPerThousandRequests: cost, bytes: megabytes * 1_000_000)
}

@Test func goRecommendsTheCheapestPassingCandidate() {
    let selection = VariantSelection.decide(baseline: "adapter", candidates: [
        candidate("f32", em: 70, cost: 0.0040, megabytes: 540),
        candidate("q8_0", em: 69, cost: 0.0030, megabytes: 145),
        candidate("q4_0", em: 60, cost: 0.0020, megabytes: 80),
    ])
    #expect(selection.decision.verdict == .go)
    #expect(selection.recommended == "q8_0")
    #expect(selection.decision.outcomes.map(\.check) == [.selection])
    #expect(selection.decision.outcomes[0].name == "selection")
    #expect(selection.decision.why
            == "q8_0 is the cheapest of the 2 of 3 candidates that pass every rule against adapter (0.00300 per 1,000 requests, 145 MB).")
}

@Test func costsWithinTheToleranceAreTiedAndTheSmallerFileWins() {
    let selection = VariantSelection.decide(baseline: "adapter", candidates: [
        candidate("f32", em: 70, cost: 0.00300, megabytes: 540),
        candidate("q8_0", em: 70, cost: 0.00310, megabytes: 145),   // 3.3% dearer: a tie
        candidate("f16", em: 70, cost: 0.00320, megabytes: 270),    // 6.7% dearer: not a tie
    ])
    #expect(selection.recommended == "q8_0")
}

@Test func unmeasuredCostRanksAfterMeasuredOnes() {
    let selection = VariantSelection.decide(baseline: "adapter", candidates: [
        candidate("unmeasured", em: 70, cost: nil, megabytes: 10),
        candidate("measured", em: 70, cost: 0.5, megabytes: 500),
    ])
    #expect(selection.recommended == "measured")
}

@Test func noGoWhenNoCandidatePassesNamingEachFailure() {
    let selection = VariantSelection.decide(baseline: "adapter", candidates: [
        candidate("q8_0", em: 60, cost: 0.003, megabytes: 145),
        candidate("q4_0", em: 50, cost: 0.002, megabytes: 80),
    ])
    #expect(selection.decision.verdict == .noGo)
    #expect(selection.recommended == nil)
    #expect(selection.decision.why == "None of the 2 candidates passes every rule against adapter ("
            + "q8_0: em on holdout fell 10.00 points (70.00 → 60.00), more than the 2.00 allowed; "
            + "q4_0: em on holdout fell 20.00 points (70.00 → 50.00), more than the 2.00 allowed).")
}

@Test func aSingleCandidateDecidesAlone() {
    let pass = VariantSelection.decide(baseline: "a", candidates: [candidate("b", em: 70, cost: 0.0012, megabytes: 1)])
    #expect(pass.decision.verdict == .go && pass.recommended == "b")
    #expect(pass.decision.why == "b passes every rule against a (0.00120 per 1,000 requests, 1.00 MB).")
    let fail = VariantSelection.decide(baseline: "a", candidates: [candidate("b", em: 10, cost: 0.001, megabytes: 1)])
    #expect(fail.decision.verdict == .noGo)
    #expect(fail.decision.why.hasPrefix("b does not pass every rule against a: em on holdout fell 60.00 points"))
}

@Test func bytesAreFormattedWithThreeSignificantDigits() {
    #expect(formatBytes(512) == "512 B")
    #expect(formatBytes(1_500) == "1.50 kB")
    #expect(formatBytes(93_520_000) == "93.5 MB")
    #expect(formatBytes(538_000_000) == "538 MB")
    #expect(formatBytes(2_100_000_000) == "2.10 GB")
}
