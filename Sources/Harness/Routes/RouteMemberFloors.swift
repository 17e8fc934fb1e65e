import Foundation
import Gate
import Store

/// Rules of a route's gate that name a member: `member_floors: {local-lora: {em: 20}}` holds when
/// the member, evaluated on its own (its own variant's evaluation, or the variant that serves its
/// endpoint), reaches the floor on every eval set that computes the metric. A fallback good enough
/// to serve 30% of a brownout may not be good enough to serve an outage; this says so up front.
enum RouteMemberFloors {
    static func apply(_ route: RouteSpec, to decision: GateDecision, experiment: ExperimentFile, evaluations: [[Int64]],
                      store: TollgateStore) throws -> GateDecision {
        guard let plan = experiment.route(named: route.name), !route.memberFloors.isEmpty else { return decision }
        var outcomes = decision.outcomes
        for member in route.memberFloors.keys.sorted() {
            guard let variant = RouteVariants.ownVariant(of: member, route: plan, variants: experiment.variants) else { continue }
            for (setIndex, evalSet) in experiment.evalSets.enumerated() {
                let scores = Dictionary(try store.metrics(evaluationID: evaluations[variant][setIndex]).map { ($0.metric, $0.value) }) { a, _ in a }
                for (metric, floor) in route.memberFloors[member]!.sorted(by: { $0.key < $1.key }) where evalSet.metrics.contains(metric) {
                    outcomes.append(outcome(member: member, route: route.name, evalSet: evalSet.name, metric: metric,
                                            value: scores[metric], floor: floor))
                }
            }
        }
        return GateDecision(outcomes: outcomes)
    }

    static func outcome(member: String, route: String, evalSet: String, metric: String, value: Double?, floor: Double) -> RuleOutcome {
        guard let value, value.isFinite else {
            return RuleOutcome(evalSet: evalSet, metric: metric, check: .floor, passed: false,
                               reason: "\(metric) of \(member), route \(route)'s member, on \(evalSet) was not measured; its floor of \(formatValue(floor)) cannot be checked.")
        }
        let passed = value >= floor
        return RuleOutcome(evalSet: evalSet, metric: metric, check: .floor, passed: passed,
                           reason: "\(metric) of \(member) on its own, route \(route)'s member, on \(evalSet) is \(formatValue(value)), "
                               + (passed ? "at or above" : "below") + " its floor of \(formatValue(floor)).")
    }
}
