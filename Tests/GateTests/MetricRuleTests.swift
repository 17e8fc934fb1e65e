import Gate
import Testing

/// One row of a rule table: a rule, the numbers, and whether the check passes.
struct RuleCase: CustomTestStringConvertible, Sendable {
    let label: String
    let rule: MetricRule
    let baseline: Double?
    let candidate: Double?
    let pValue: Double?
    let check: RuleCheck
    let passes: Bool

    var testDescription: String { label }
}

private func outcome(of row: RuleCase) throws -> RuleOutcome {
    let comparison = MetricComparison(evalSet: "holdout", metric: row.rule.metric, baseline: row.baseline,
                                      candidate: row.candidate, pValue: row.pValue)
    let decision = GatePolicy(rules: [row.rule]).decide(comparisons: [comparison])
    return try #require(decision.outcomes.first { $0.check == row.check })
}

private let bleuFloor = MetricRule(metric: "bleu", floor: 30)
private let ceiling = MetricRule(metric: "ter", floor: 0.5, greaterIsBetter: false)
private let bleuDrop = MetricRule(metric: "bleu", maxDrop: 1)
private let bleuDropSignificant = MetricRule(metric: "bleu", maxDrop: 1, significanceAlpha: 0.05)
private let chrfRelative = MetricRule(metric: "chrf", maxRelativeDrop: 0.05)
private let chrfRelativeSignificant = MetricRule(metric: "chrf", maxRelativeDrop: 0.05, significanceAlpha: 0.05)
private let latencyDrop = MetricRule(metric: "latency", maxDrop: 0.2, greaterIsBetter: false)
private let latencyRelative = MetricRule(metric: "latency", maxRelativeDrop: 0.10, greaterIsBetter: false)

let floorCases: [RuleCase] = [
    RuleCase(label: "exactly at the floor passes", rule: bleuFloor, baseline: nil, candidate: 30, pValue: nil, check: .floor, passes: true),
    RuleCase(label: "just above the floor passes", rule: bleuFloor, baseline: nil, candidate: 30.01, pValue: nil, check: .floor, passes: true),
    RuleCase(label: "just below the floor fails", rule: bleuFloor, baseline: nil, candidate: 29.99, pValue: nil, check: .floor, passes: false),
    RuleCase(label: "floor ignores significance", rule: MetricRule(metric: "bleu", floor: 30, significanceAlpha: 0.05),
             baseline: 40, candidate: 29.99, pValue: 0.9, check: .floor, passes: false),
    RuleCase(label: "exactly at the ceiling passes", rule: ceiling, baseline: nil, candidate: 0.5, pValue: nil, check: .floor, passes: true),
    RuleCase(label: "just below the ceiling passes", rule: ceiling, baseline: nil, candidate: 0.49, pValue: nil, check: .floor, passes: true),
    RuleCase(label: "just above the ceiling fails", rule: ceiling, baseline: nil, candidate: 0.51, pValue: nil, check: .floor, passes: false),
]

let dropCases: [RuleCase] = [
    // 41.2 − 40.2 is 1.0000000000000036 in binary: the rounding must not fail a drop of exactly the allowance.
    RuleCase(label: "drop exactly the allowance passes", rule: bleuDrop, baseline: 41.2, candidate: 40.2, pValue: nil, check: .maxDrop, passes: true),
    RuleCase(label: "drop just under the allowance passes", rule: bleuDrop, baseline: 41.2, candidate: 40.21, pValue: nil, check: .maxDrop, passes: true),
    RuleCase(label: "drop just over the allowance fails", rule: bleuDrop, baseline: 41.2, candidate: 40.19, pValue: nil, check: .maxDrop, passes: false),
    RuleCase(label: "an improvement passes", rule: bleuDrop, baseline: 41.2, candidate: 45, pValue: nil, check: .maxDrop, passes: true),
    RuleCase(label: "significant drop over the allowance fails", rule: bleuDropSignificant, baseline: 41.2, candidate: 38.89, pValue: 0.003, check: .maxDrop, passes: false),
    RuleCase(label: "p just under alpha counts", rule: bleuDropSignificant, baseline: 41.2, candidate: 38.89, pValue: 0.0499, check: .maxDrop, passes: false),
    RuleCase(label: "p exactly alpha is not significant", rule: bleuDropSignificant, baseline: 41.2, candidate: 38.89, pValue: 0.05, check: .maxDrop, passes: true),
    RuleCase(label: "p above alpha is not significant", rule: bleuDropSignificant, baseline: 41.2, candidate: 38.89, pValue: 0.21, check: .maxDrop, passes: true),
    RuleCase(label: "no p-value with significance required fails closed", rule: bleuDropSignificant, baseline: 41.2, candidate: 38.89, pValue: nil, check: .maxDrop, passes: false),
    RuleCase(label: "a significant drop within the allowance passes", rule: bleuDropSignificant, baseline: 41.2, candidate: 40.5, pValue: 0.001, check: .maxDrop, passes: true),
    RuleCase(label: "lower is better: latency rising exactly the allowance passes", rule: latencyDrop, baseline: 1.0, candidate: 1.2, pValue: nil, check: .maxDrop, passes: true),
    RuleCase(label: "lower is better: latency rising past the allowance fails", rule: latencyDrop, baseline: 1.0, candidate: 1.21, pValue: nil, check: .maxDrop, passes: false),
    RuleCase(label: "lower is better: latency falling a lot passes", rule: latencyDrop, baseline: 1.0, candidate: 0.2, pValue: nil, check: .maxDrop, passes: true),
]

let relativeCases: [RuleCase] = [
    RuleCase(label: "relative drop exactly 5% passes", rule: chrfRelative, baseline: 50, candidate: 47.5, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "relative drop just under 5% passes", rule: chrfRelative, baseline: 50, candidate: 47.51, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "relative drop just over 5% fails", rule: chrfRelative, baseline: 50, candidate: 47.49, pValue: nil, check: .maxRelativeDrop, passes: false),
    RuleCase(label: "relative drop over 5% but not significant passes", rule: chrfRelativeSignificant, baseline: 50, candidate: 40, pValue: 0.3, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "relative drop over 5% and significant fails", rule: chrfRelativeSignificant, baseline: 50, candidate: 40, pValue: 0.01, check: .maxRelativeDrop, passes: false),
    RuleCase(label: "baseline 0, candidate 0 passes", rule: chrfRelative, baseline: 0, candidate: 0, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "baseline 0, candidate better passes", rule: chrfRelative, baseline: 0, candidate: 3, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "baseline 0, lower-is-better metric rising fails", rule: latencyRelative, baseline: 0, candidate: 0.1, pValue: nil, check: .maxRelativeDrop, passes: false),
    RuleCase(label: "negative baseline uses its magnitude", rule: chrfRelative, baseline: -10, candidate: -10.5, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "lower is better: 10% rise passes", rule: latencyRelative, baseline: 2.0, candidate: 2.2, pValue: nil, check: .maxRelativeDrop, passes: true),
    RuleCase(label: "lower is better: 10.5% rise fails", rule: latencyRelative, baseline: 2.0, candidate: 2.21, pValue: nil, check: .maxRelativeDrop, passes: false),
]

@Test(arguments: floorCases)
func floorAndCeilingHoldAtAndAroundTheLimit(_ row: RuleCase) throws {
    #expect(try outcome(of: row).passed == row.passes)
}

@Test(arguments: dropCases)
func absoluteDropHoldsAtAndAroundTheAllowance(_ row: RuleCase) throws {
    #expect(try outcome(of: row).passed == row.passes)
}

@Test(arguments: relativeCases)
func relativeDropHoldsAtAndAroundTheAllowance(_ row: RuleCase) throws {
    #expect(try outcome(of: row).passed == row.passes)
}

@Test func verdictIsNoGoWhenAnyRuleFailsAndGoWhenAllPass() {
    let policy = GatePolicy(rules: [bleuDrop, MetricRule(metric: "chrf", floor: 40)])
    let passing = [MetricComparison(evalSet: "holdout", metric: "bleu", baseline: 41.2, candidate: 41),
                   MetricComparison(evalSet: "holdout", metric: "chrf", baseline: 50, candidate: 52)]
    #expect(policy.decide(comparisons: passing).verdict == .go)
    var failing = passing
    failing[1].candidate = 39.99
    let decision = policy.decide(comparisons: failing)
    #expect(decision.verdict == .noGo)
    #expect(decision.failures.map(\.name) == ["holdout/chrf/floor"])
}
