/// One `MetricRule` applied to one eval set: a presence check, then one outcome per configured limit.
struct MetricRuleCheck {
    let rule: MetricRule
    let evalSet: String
    let comparison: MetricComparison?

    private var subject: String { "\(rule.metric) on \(evalSet)" }

    func outcomes() -> [RuleOutcome] {
        guard let candidate = comparison?.candidate, candidate.isFinite else {
            let problem = comparison?.candidate == nil ? "is missing from" : "is not a finite number in"
            return [outcome(.presence, passed: false,
                            "\(rule.metric) \(problem) the candidate's results on \(evalSet), so its rule cannot be checked.")]
        }
        var outcomes: [RuleOutcome] = []
        if let floor = rule.floor { outcomes.append(floorOutcome(candidate: candidate, floor: floor)) }
        if rule.maxDrop != nil || rule.maxRelativeDrop != nil {
            guard let baseline = comparison?.baseline, baseline.isFinite else {
                outcomes.append(outcome(.baseline, passed: false,
                                        "\(subject) has no baseline value, so the largest allowed drop cannot be checked."))
                return outcomes
            }
            if let maxDrop = rule.maxDrop {
                outcomes.append(dropOutcome(baseline: baseline, candidate: candidate, maxDrop: maxDrop))
            }
            if let maxRelativeDrop = rule.maxRelativeDrop {
                outcomes.append(relativeDropOutcome(baseline: baseline, candidate: candidate, maxRelativeDrop: maxRelativeDrop))
            }
        }
        if outcomes.isEmpty {
            outcomes.append(outcome(.presence, passed: true, "\(subject) is present (\(formatValue(candidate))); no limit is set."))
        }
        return outcomes
    }

    private func outcome(_ check: RuleCheck, passed: Bool, _ reason: String) -> RuleOutcome {
        RuleOutcome(evalSet: evalSet, metric: rule.metric, check: check, passed: passed, reason: reason)
    }

    private func floorOutcome(candidate: Double, floor: Double) -> RuleOutcome {
        let value = formatValue(candidate), limit = formatValue(floor)
        if rule.greaterIsBetter {
            let below = exceeds(floor, limit: candidate)
            return outcome(.floor, passed: !below, below
                           ? "\(subject) is \(value), below the floor of \(limit)."
                           : "\(subject) is \(value), at or above the floor of \(limit).")
        }
        let above = exceeds(candidate, limit: floor)
        return outcome(.floor, passed: !above, above
                       ? "\(subject) is \(value), above the ceiling of \(limit)."
                       : "\(subject) is \(value), at or below the ceiling of \(limit).")
    }

    /// Worsening in the metric's own units: positive when the candidate is worse.
    private func worsening(baseline: Double, candidate: Double) -> Double {
        rule.greaterIsBetter ? baseline - candidate : candidate - baseline
    }

    /// "fell 2.31 points (41.20 → 38.89)" — the verb follows the sign of the raw change.
    private func movement(baseline: Double, candidate: Double, amount: String) -> String {
        let arrow = "(\(formatValue(baseline)) → \(formatValue(candidate)))"
        if candidate == baseline { return "is unchanged \(arrow)" }
        return "\(candidate < baseline ? "fell" : "rose") \(amount) \(arrow)"
    }

    private func dropOutcome(baseline: Double, candidate: Double, maxDrop: Double) -> RuleOutcome {
        let drop = worsening(baseline: baseline, candidate: candidate)
        let moved = movement(baseline: baseline, candidate: candidate,
                             amount: "\(formatValue(abs(candidate - baseline))) points")
        let allowance = "\(formatValue(maxDrop)) allowed"
        return judgeWorsening(check: .maxDrop, tooLarge: exceeds(drop, limit: maxDrop),
                              sentence: "\(subject) \(moved)", allowance: allowance)
    }

    private func relativeDropOutcome(baseline: Double, candidate: Double, maxRelativeDrop: Double) -> RuleOutcome {
        let drop = worsening(baseline: baseline, candidate: candidate)
        let allowance = "\(formatPercent(maxRelativeDrop)) allowed"
        if baseline == 0 {
            // A relative change against zero is undefined: no worsening passes, any worsening fails.
            let worse = exceeds(drop, limit: 0)
            let moved = movement(baseline: baseline, candidate: candidate,
                                 amount: "\(formatValue(abs(candidate - baseline))) points")
            return judgeWorsening(check: .maxRelativeDrop, tooLarge: worse,
                                  sentence: "\(subject) \(moved) from a baseline of 0, where any worsening is an unbounded relative drop",
                                  allowance: allowance)
        }
        let relative = drop / abs(baseline)
        let moved = movement(baseline: baseline, candidate: candidate,
                             amount: formatPercent(abs(candidate - baseline) / abs(baseline)))
        return judgeWorsening(check: .maxRelativeDrop, tooLarge: exceeds(relative, limit: maxRelativeDrop),
                              sentence: "\(subject) \(moved)", allowance: allowance)
    }

    /// Finishes a drop sentence. A drop beyond the allowance fails unless the rule asks for
    /// significance and the paired test says the drop may be noise (p ≥ alpha; the adjusted p
    /// when the decision corrects for multiple tests). Without a p-value
    /// the drop counts: the gate fails closed.
    private func judgeWorsening(check: RuleCheck, tooLarge: Bool, sentence: String, allowance: String) -> RuleOutcome {
        guard tooLarge else {
            return outcome(check, passed: true, "\(sentence), within the \(allowance).")
        }
        guard let alpha = rule.significanceAlpha else {
            return outcome(check, passed: false, "\(sentence), more than the \(allowance).")
        }
        let alphaText = formatAlpha(alpha)
        guard let raw = comparison?.testedPValue(greaterIsBetter: rule.greaterIsBetter), raw.isFinite else {
            return outcome(check, passed: false,
                           "\(sentence), more than the \(allowance); no p-value was given to show the drop is noise at alpha \(alphaText).")
        }
        // With a multiple-testing correction the adjusted p decides; the reason shows both.
        let p = comparison?.adjustedPValue ?? raw
        let shown = p == raw ? formatP(p) : "\(formatP(raw)), Holm-adjusted \(formatP(p))"
        if p < alpha {
            return outcome(check, passed: false, "\(sentence), more than the \(allowance); \(shown) < \(alphaText).")
        }
        return outcome(check, passed: true,
                       "\(sentence), more than the \(allowance), but \(shown) ≥ \(alphaText), so the drop is not significant.")
    }
}
