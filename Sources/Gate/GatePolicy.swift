/// Metric rules plus serving budgets; `decide` turns evaluation numbers into a GO/NO-GO decision.
/// Pure: the numbers come in as values, nothing is computed from predictions here.
public struct GatePolicy: Codable, Sendable, Equatable {
    public var rules: [MetricRule]
    public var budgets: Budgets
    /// How the p-values of the significance-gated rules are corrected for being tested together.
    public var correction: MultipleTestingCorrection

    public init(rules: [MetricRule], budgets: Budgets = Budgets(), correction: MultipleTestingCorrection = .holm) {
        self.rules = rules
        self.budgets = budgets
        self.correction = correction
    }

    enum CodingKeys: String, CodingKey { case rules, budgets, correction }

    /// Policies stored before corrections existed decode as Holm's, the default.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rules = try container.decode([MetricRule].self, forKey: .rules)
        budgets = try container.decode(Budgets.self, forKey: .budgets)
        correction = try container.decodeIfPresent(MultipleTestingCorrection.self, forKey: .correction) ?? .holm
    }

    /// Applies every rule to every eval set, then the budgets.
    /// - Parameters:
    ///   - comparisons: baseline/candidate values per eval set and metric.
    ///   - evalSets: the eval sets the experiment expects; a rule's metric missing from one of them is
    ///     a failure. Defaults to the eval sets named in `comparisons`.
    ///   - metricsBySet: when given, a rule is checked on a set only when the set's list holds its
    ///     metric (an experiment's forgetting guard computes acc and acc_norm, its generation sets em, …);
    ///     sets absent from it get every rule.
    ///   - candidateServing: measured latency and cost of the candidate (checked against budgets).
    /// A significance-gated drop counts when its p-value, adjusted by `correction` over this
    /// decision's significance-gated rules, is below the rule's `significance`. Comparisons that
    /// already carry adjusted p-values (adjusted over a larger family, as a model swap's candidates
    /// × rules are) are taken as they are.
    public func decide(comparisons: [MetricComparison], evalSets: [String]? = nil,
                       metricsBySet: [String: Set<String>]? = nil,
                       candidateServing: ServingFigures? = nil) -> GateDecision {
        let comparisons = comparisons.contains { $0.adjustedPValue != nil }
            ? comparisons : correction.adjust([comparisons], rules: rules)[0]
        let sets = evalSets ?? orderedUnique(comparisons.map(\.evalSet))
        var outcomes: [RuleOutcome] = []
        if rules.isEmpty && budgets.isEmpty {
            outcomes.append(RuleOutcome(
                evalSet: nil, metric: nil, check: .configuration, passed: false,
                reason: "No gate rules or budgets were configured, so nothing shows the candidate is safe to ship; add rules per metric."))
        }
        if !rules.isEmpty && sets.isEmpty {
            outcomes.append(RuleOutcome(
                evalSet: nil, metric: nil, check: .configuration, passed: false,
                reason: "No eval set produced results, so none of the \(rules.count) metric rules could be checked."))
        }
        for set in sets {
            for rule in rules where metricsBySet?[set].map({ $0.contains(rule.metric) }) ?? true {
                let comparison = comparisons.first { $0.evalSet == set && $0.metric == rule.metric }
                outcomes += MetricRuleCheck(rule: rule, evalSet: set, comparison: comparison).outcomes()
            }
        }
        outcomes += budgetOutcomes(candidateServing)
        return GateDecision(outcomes: outcomes)
    }

    private func budgetOutcomes(_ serving: ServingFigures?) -> [RuleOutcome] {
        var outcomes: [RuleOutcome] = []
        if let budget = budgets.p95LatencySeconds {
            let check = BudgetCheck(check: .p95Latency, label: "p95 latency", budget: budget,
                                    measured: serving?.p95LatencySeconds, unit: " s")
            outcomes.append(check.outcome())
        }
        if let budget = budgets.costPerThousandRequests {
            let check = BudgetCheck(check: .cost, label: "cost per 1,000 requests", budget: budget,
                                    measured: serving?.costPerThousandRequests, unit: "")
            outcomes.append(check.outcome())
        }
        return outcomes
    }
}

/// A budget: the measured figure must not exceed the budget (equal passes).
struct BudgetCheck {
    let check: RuleCheck
    let label: String
    let budget: Double
    let measured: Double?
    let unit: String

    func outcome() -> RuleOutcome {
        let limit = "\(formatValue(budget))\(unit)"
        guard let measured, measured.isFinite else {
            return RuleOutcome(evalSet: nil, metric: nil, check: check, passed: false,
                               reason: "The candidate's \(label) was not measured, so the \(limit) budget cannot be checked.")
        }
        let value = "\(formatValue(measured))\(unit)"
        if exceeds(measured, limit: budget) {
            return RuleOutcome(evalSet: nil, metric: nil, check: check, passed: false,
                               reason: "The candidate's \(label) is \(value), over the \(limit) budget.")
        }
        return RuleOutcome(evalSet: nil, metric: nil, check: check, passed: true,
                           reason: "The candidate's \(label) is \(value), within the \(limit) budget.")
    }
}

/// True when `value` is above `limit` by more than rounding noise: numbers that agree to 1e-9 of
/// their scale count as equal, so a drop that prints as exactly the allowance passes.
func exceeds(_ value: Double, limit: Double) -> Bool {
    value > limit + 1e-9 * max(1, abs(limit))
}

func orderedUnique(_ names: [String]) -> [String] {
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
}
