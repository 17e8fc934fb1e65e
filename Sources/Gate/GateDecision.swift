/// The gate's answer: GO ships, NO-GO does not.
public enum Verdict: String, Codable, Sendable, Equatable {
    case go = "GO"
    case noGo = "NO-GO"
}

/// What a single rule outcome checked.
public enum RuleCheck: String, Codable, Sendable, Equatable, CaseIterable {
    /// The metric is present (and finite) in the candidate's results.
    case presence
    /// The baseline has the value the drop rules compare against.
    case baseline
    case floor
    case maxDrop = "max_drop"
    case maxRelativeDrop = "max_relative_drop"
    case p95Latency = "p95_latency"
    case cost = "cost_per_1000_requests"
    /// The policy itself: a gate with no rules cannot show anything is safe.
    case configuration
    /// A model-swap experiment's choice among candidates, each gated on its own (`VariantSelection`).
    case selection
}

/// One rule applied to one metric on one eval set (or one budget), with its reason as a sentence.
public struct RuleOutcome: Codable, Sendable, Equatable {
    /// Eval set the rule applied to; nil for budgets and configuration.
    public var evalSet: String?
    /// Metric name; nil for budgets and configuration.
    public var metric: String?
    public var check: RuleCheck
    public var passed: Bool
    /// A full sentence with the numbers, e.g. "bleu on holdout fell 2.31 points (41.20 → 38.89),
    /// more than the 1.00 allowed; p = 0.003 < 0.05."
    public var reason: String

    public init(evalSet: String?, metric: String?, check: RuleCheck, passed: Bool, reason: String) {
        self.evalSet = evalSet
        self.metric = metric
        self.check = check
        self.passed = passed
        self.reason = reason
    }

    /// Stable name for CI systems, e.g. "holdout/bleu/max_drop" or "budget/p95_latency".
    public var name: String {
        switch (evalSet, metric) {
        case let (set?, metric?): return "\(set)/\(metric)/\(check.rawValue)"
        case let (nil, metric?): return "\(metric)/\(check.rawValue)"
        default: return check == .configuration || check == .selection ? check.rawValue : "budget/\(check.rawValue)"
        }
    }
}

/// GO or NO-GO with one outcome per rule; GO only when every outcome passed.
public struct GateDecision: Codable, Sendable, Equatable {
    public var verdict: Verdict
    public var outcomes: [RuleOutcome]

    public init(outcomes: [RuleOutcome]) {
        self.outcomes = outcomes
        self.verdict = !outcomes.isEmpty && outcomes.allSatisfy(\.passed) ? .go : .noGo
    }

    public var failures: [RuleOutcome] { outcomes.filter { !$0.passed } }

    /// One sentence saying why: the first failure (and how many more), or that all rules passed.
    /// A model-swap selection is its own reason: it names the recommendation or the failures.
    public var why: String {
        if outcomes.count == 1, outcomes[0].check == .selection { return outcomes[0].reason }
        let failed = failures
        guard let first = failed.first else {
            return outcomes.count == 1 ? "The only rule passed." : "All \(outcomes.count) rules passed."
        }
        let sentence = first.reason.hasSuffix(".") ? String(first.reason.dropLast()) : first.reason
        let others = failed.count - 1
        switch others {
        case 0: return "\(sentence)."
        case 1: return "\(sentence) (and 1 more rule failed)."
        default: return "\(sentence) (and \(others) more rules failed)."
        }
    }
}
