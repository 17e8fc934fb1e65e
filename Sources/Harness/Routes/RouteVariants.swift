import Foundation
import Store

/// How a model-swap run serves its route variants: each member as its own variant is served (or
/// as the endpoint it names), and in a drill, the drilled route as one more candidate.
enum RouteVariants {
    /// The variants in file order, the routes built from the others once those are served, and a
    /// drill's route (`<variant> under <drill>`) last.
    static func serveAll(_ experiment: ExperimentFile, drill: DrillPlan?,
                         serve: (VariantPlan) throws -> VariantExperiment.Served) throws -> [VariantExperiment.Served] {
        var served: [String: VariantExperiment.Served] = [:]
        for plan in experiment.variants where !plan.isRoute { served[plan.name] = try serve(plan) }
        var variants = try experiment.variants.map { plan -> VariantExperiment.Served in
            guard case .route(let name) = plan.source else { return served[plan.name]! }
            return try routeVariant(plan.name, route: experiment.route(named: name)!, experiment: experiment, served: served)
        }
        if let drill, let index = experiment.variants.firstIndex(where: { $0.source == .route(name: drill.route) }) {
            var drilled = variants[index]
            drilled.name = "\(drilled.name) under \(drill.name)"
            drilled.route?.injection = drill.inject
            drilled.route?.drill = drill.name
            drilled.source += ", drill \(drill.name): \(drill.inject.member) " + (drill.inject.down ? "down"
                : "fails \(Int((drill.inject.failRate * 100).rounded()))% with HTTP \(drill.inject.status ?? 503)")
            variants.append(drilled)
        }
        return variants
    }

    private static func routeVariant(_ name: String, route: RoutePlan, experiment: ExperimentFile,
                                     served: [String: VariantExperiment.Served]) throws -> VariantExperiment.Served {
        let members = route.members.map { member -> RouteSpec.Member in
            switch member.source {
            case .endpoint(let endpoint):
                return RouteSpec.Member(name: endpoint, endpoint: experiment.endpoint(for: ExperimentFile.endpointPrefix + endpoint))
            case .variant(let variant):
                let variant = served[variant]!
                return RouteSpec.Member(name: member.name, endpoint: experiment.endpoint(for: variant.model),
                                        modelPath: variant.model, adapterPath: variant.adapter)
            }
        }
        var spec = RouteSpec(name: route.name, members: members, failover: route.failover)
        spec.memberFloors = route.memberFloors
        let bytes = route.members.compactMap { member -> Int64? in
            if case .variant(let variant) = member.source { return served[variant]?.bytes }
            return nil
        }.reduce(0, +)
        return VariantExperiment.Served(name: name, model: ExperimentFile.routePrefix + route.name, adapter: nil,
                                        source: spec.displayName, bytes: bytes, route: spec)
    }

    /// The drill `--drill NAME` names, or exit 2 naming the file and the drills it has.
    static func drill(named name: String, in experiment: ExperimentFile, file: String) throws -> DrillPlan {
        if let drill = experiment.drill(named: name) { return drill }
        let known = experiment.drills.map(\.name)
        throw ExperimentFileError(file: file, line: nil, key: "drills", problem: .invalidValue(known.isEmpty
            ? "has no drills, and --drill \(name) asks for one; add it under drills: or run without --drill"
            : "has no drill named '\(name)' (they are \(known.joined(separator: ", "))); pass one of them to --drill"))
    }

    /// The variant that evaluates a member on its own: the member's own variant, or a variant
    /// serving the member's endpoint; nil when there is none.
    static func ownVariant(of member: String, route: RoutePlan, variants: [VariantPlan]) -> Int? {
        switch route.members.first(where: { $0.name == member })?.source {
        case .variant(let name)?: return variants.firstIndex { $0.name == name && !$0.isRoute }
        case .endpoint(let name)?: return variants.firstIndex { $0.source == .endpoint(name: name) }
        case nil: return nil
        }
    }

    /// The route's identity as its evaluation stored it.
    static func identity(store: TollgateStore, evaluationID: Int64) throws -> String? {
        guard let evaluation = try store.evaluation(id: evaluationID) else { return nil }
        return try store.model(id: evaluation.modelID)?.sha256
    }
}

extension VariantPlan {
    var isRoute: Bool {
        if case .route = source { return true }
        return false
    }
}
