/// A model-swap candidate: its own decision against the baseline and what serving it costs.
public struct VariantCandidate: Sendable, Equatable {
    public var name: String
    /// The experiment's rules applied to this candidate against the baseline.
    public var decision: GateDecision
    /// Measured; nil when not measured (it then ranks after every measured candidate).
    public var costPerThousandRequests: Double?
    /// Bytes to deploy: the model file plus its adapter, if any.
    public var bytes: Int64

    public init(name: String, decision: GateDecision, costPerThousandRequests: Double?, bytes: Int64) {
        self.name = name
        self.decision = decision
        self.costPerThousandRequests = costPerThousandRequests
        self.bytes = bytes
    }
}

/// The decision of a model-swap experiment, whose candidates (a quantization, a fused model,
/// another model) are each gated against one baseline.
///
/// Rule: GO when at least one candidate passes every rule; the recommendation is the passing
/// candidate that is cheapest to serve (lowest cost per 1,000 requests), where costs within
/// `costTolerance` of the cheapest count as equal and the smallest file among them wins, then
/// the one listed first. NO-GO when no candidate passes. The decision is one `selection` outcome
/// whose reason names the recommendation or each candidate's first failure.
public struct VariantSelection: Sendable, Equatable {
    public var decision: GateDecision
    /// The recommended candidate's name; nil on NO-GO.
    public var recommended: String?

    /// Measured CPU cost varies by a few percent between runs on a shared machine; closer costs
    /// than this fraction do not decide, the file size does.
    public static let costTolerance = 0.05

    /// The rule in words, for reports.
    public static var rule: String {
        "The run is GO when at least one candidate passes every rule; it recommends the passing candidate with the lowest "
            + "cost per 1,000 requests, costs within \(formatPercent(costTolerance)) of the lowest counting as equal and the "
            + "smallest file among them winning."
    }

    public static func decide(baseline: String, candidates: [VariantCandidate]) -> VariantSelection {
        let passing = candidates.filter { $0.decision.verdict == .go }
        guard let chosen = cheapest(passing) else {
            let reason: String
            switch candidates.count {
            case 0:
                reason = "There is no candidate to compare with \(baseline); list at least two variants."
            case 1:
                reason = "\(candidates[0].name) does not pass every rule against \(baseline): \(sentence(candidates[0].decision.why))."
            default:
                let failures = candidates.map { "\($0.name): \(sentence($0.decision.why))" }.joined(separator: "; ")
                reason = "None of the \(candidates.count) candidates passes every rule against \(baseline) (\(failures))."
            }
            return VariantSelection(decision: GateDecision(outcomes: [outcome(passed: false, reason)]), recommended: nil)
        }
        let cost = chosen.costPerThousandRequests.map { "\(formatValue($0)) per 1,000 requests" } ?? "cost not measured"
        let figures = "\(cost), \(formatBytes(chosen.bytes))"
        let reason: String
        switch (candidates.count, passing.count) {
        case (1, _):
            reason = "\(chosen.name) passes every rule against \(baseline) (\(figures))."
        case (_, 1):
            reason = "\(chosen.name) is the only one of the \(candidates.count) candidates that passes every rule against \(baseline) (\(figures))."
        default:
            reason = "\(chosen.name) is the cheapest of the \(passing.count) of \(candidates.count) candidates that pass every rule "
                + "against \(baseline) (\(figures))."
        }
        return VariantSelection(decision: GateDecision(outcomes: [outcome(passed: true, reason)]), recommended: chosen.name)
    }

    /// The cheapest candidate, costs within the tolerance counting as equal (then the smaller file).
    static func cheapest(_ candidates: [VariantCandidate]) -> VariantCandidate? {
        let costs = candidates.compactMap(\.costPerThousandRequests).filter(\.isFinite)
        let tied: [VariantCandidate]
        if let lowest = costs.min() {
            tied = candidates.filter { candidate in
                guard let cost = candidate.costPerThousandRequests, cost.isFinite else { return false }
                return !exceeds(cost, limit: lowest * (1 + costTolerance))
            }
        } else {
            tied = candidates
        }
        // min(by:) keeps the first of equals, so file order breaks the last ties.
        return tied.min { $0.bytes < $1.bytes }
    }

    private static func outcome(passed: Bool, _ reason: String) -> RuleOutcome {
        RuleOutcome(evalSet: nil, metric: nil, check: .selection, passed: passed, reason: reason)
    }

    private static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}
