import Gate
import Testing

private func reasons(_ policy: GatePolicy, _ comparisons: [MetricComparison], evalSets: [String]? = nil,
                     serving: ServingFigures? = nil) -> [String] {
    policy.decide(comparisons: comparisons, evalSets: evalSets, candidateServing: serving).outcomes.map(\.reason)
}

@Test func significantDropReasonGivesNumbersAllowanceAndPValue() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 1, significanceAlpha: 0.05)])
    let result = reasons(policy, [MetricComparison(evalSet: "holdout", metric: "bleu", baseline: 41.20, candidate: 38.89, pValue: 0.003)])
    #expect(result == ["bleu on holdout fell 2.31 points (41.20 → 38.89), more than the 1.00 allowed; p = 0.003 < 0.05."])
}

@Test func insignificantDropReasonSaysWhyItPasses() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 1, significanceAlpha: 0.05)])
    let result = reasons(policy, [MetricComparison(evalSet: "holdout", metric: "bleu", baseline: 41.20, candidate: 38.89, pValue: 0.21)])
    #expect(result == ["bleu on holdout fell 2.31 points (41.20 → 38.89), more than the 1.00 allowed, but p = 0.210 ≥ 0.05, so the drop is not significant."])
}

@Test func relativeAndFloorReasonsGiveNumbers() {
    let policy = GatePolicy(rules: [MetricRule(metric: "chrf", floor: 45, maxRelativeDrop: 0.05)])
    let result = reasons(policy, [MetricComparison(evalSet: "holdout", metric: "chrf", baseline: 50, candidate: 46.9)])
    #expect(result == ["chrf on holdout is 46.90, at or above the floor of 45.00.",
                       "chrf on holdout fell 6.20% (50.00 → 46.90), more than the 5.00% allowed."])
}

@Test func missingMetricIsANoGoReasonNotACrash() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", floor: 20, maxDrop: 1)])
    let decision = policy.decide(comparisons: [MetricComparison(evalSet: "holdout", metric: "chrf", baseline: 50, candidate: 50)])
    #expect(decision.verdict == .noGo)
    #expect(decision.outcomes.map(\.check) == [.presence])
    #expect(decision.why == "bleu is missing from the candidate's results on holdout, so its rule cannot be checked.")
}

@Test func metricMissingFromOneExpectedEvalSetFailsThere() {
    let policy = GatePolicy(rules: [MetricRule(metric: "em", floor: 0.5)])
    let decision = policy.decide(comparisons: [MetricComparison(evalSet: "a", metric: "em", baseline: nil, candidate: 0.6)],
                                 evalSets: ["a", "b"])
    #expect(decision.outcomes.map(\.passed) == [true, false])
    #expect(decision.failures.first?.name == "b/em/presence")
}

@Test func nanCandidateAndMissingBaselineAreFailures() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 1)])
    let nan = policy.decide(comparisons: [MetricComparison(evalSet: "h", metric: "bleu", baseline: 30, candidate: .nan)])
    #expect(nan.outcomes.map(\.check) == [.presence])
    #expect(nan.verdict == .noGo)
    let noBaseline = policy.decide(comparisons: [MetricComparison(evalSet: "h", metric: "bleu", baseline: nil, candidate: 30)])
    #expect(noBaseline.outcomes.map(\.check) == [.baseline])
    #expect(noBaseline.verdict == .noGo)
}

@Test func emptyPolicyOrNoResultsIsNoGo() {
    #expect(GatePolicy(rules: []).decide(comparisons: []).verdict == .noGo)
    let decision = GatePolicy(rules: [MetricRule(metric: "bleu", floor: 1)]).decide(comparisons: [])
    #expect(decision.verdict == .noGo)
    #expect(decision.outcomes.map(\.check) == [.configuration])
}

struct BudgetCase: Sendable, CustomTestStringConvertible {
    let label: String
    let p95: Double?
    let cost: Double?
    let latencyPasses: Bool
    let costPasses: Bool
    var testDescription: String { label }
}

@Test(arguments: [
    BudgetCase(label: "exactly at both budgets", p95: 1.5, cost: 0.03, latencyPasses: true, costPasses: true),
    BudgetCase(label: "just under both budgets", p95: 1.49, cost: 0.0299, latencyPasses: true, costPasses: true),
    BudgetCase(label: "just over both budgets", p95: 1.51, cost: 0.0301, latencyPasses: false, costPasses: false),
    BudgetCase(label: "not measured", p95: nil, cost: nil, latencyPasses: false, costPasses: false),
])
func budgetsHoldAtAndAroundTheirLimits(_ row: BudgetCase) {
    let policy = GatePolicy(rules: [], budgets: Budgets(p95LatencySeconds: 1.5, costPerThousandRequests: 0.03))
    let decision = policy.decide(comparisons: [], candidateServing: ServingFigures(p95LatencySeconds: row.p95, costPerThousandRequests: row.cost))
    #expect(decision.outcomes.map(\.check) == [.p95Latency, .cost])
    #expect(decision.outcomes.map(\.passed) == [row.latencyPasses, row.costPasses])
}

@Test func budgetReasonsNameTheFigures() {
    let policy = GatePolicy(rules: [], budgets: Budgets(p95LatencySeconds: 1.5, costPerThousandRequests: 0.03))
    let result = reasons(policy, [], serving: ServingFigures(p95LatencySeconds: 1.84, costPerThousandRequests: 0.021))
    #expect(result == ["The candidate's p95 latency is 1.84 s, over the 1.50 s budget.",
                       "The candidate's cost per 1,000 requests is 0.0210, within the 0.0300 budget."])
}

@Test func whySummarisesTheFirstFailureAndCountsTheRest() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", floor: 50), MetricRule(metric: "chrf", floor: 60)])
    let comparisons = [MetricComparison(evalSet: "h", metric: "bleu", baseline: 40, candidate: 41),
                       MetricComparison(evalSet: "h", metric: "chrf", baseline: 50, candidate: 55)]
    let decision = policy.decide(comparisons: comparisons)
    #expect(decision.why == "bleu on h is 41.00, below the floor of 50.00 (and 1 more rule failed).")
    let passing = GatePolicy(rules: [MetricRule(metric: "bleu", floor: 10)]).decide(comparisons: comparisons)
    #expect(passing.verdict == .go)
    #expect(passing.why == "The only rule passed.")
}

@Test func ruleSummaryIsShortAndMentionsSignificance() {
    #expect(MetricRule(metric: "bleu", floor: 20, maxDrop: 1, significanceAlpha: 0.05).summary == "≥ 20.00; drop ≤ 1.00; if p < 0.05")
    #expect(MetricRule(metric: "ter", floor: 0.5, maxRelativeDrop: 0.1, greaterIsBetter: false).summary == "≤ 0.500; drop ≤ 10.00%")
    #expect(MetricRule(metric: "em").summary == "present")
}
