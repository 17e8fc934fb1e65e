import Yams

/// Reads `routes:`, the primary-and-fallback routes a variant may serve, and checks that their
/// members name the experiment's endpoints and (non-route) variants.
///
/// ```yaml
/// routes:
///   support:
///     members: [{endpoint: hosted}, {variant: local-lora}]
///     failover: {on: [5xx, 429, timeout, connect], after_retries: 1}
/// ```
struct RouteListParser {
    let root: YAMLMapping

    func routes(endpoints: [String]) throws -> [RoutePlan] {
        guard let map = try root.mapping("routes") else { return [] }
        if map.order.isEmpty { throw root.error("routes", .invalidValue("is empty; define a route or remove routes")) }
        return try map.order.map { name in
            try route(name: name, try YAMLMapping(map.node(name)!, file: map.file, path: map.child(name)), endpoints: endpoints)
        }
    }

    private func route(name: String, _ map: YAMLMapping, endpoints: [String]) throws -> RoutePlan {
        try map.allowOnly(["members", "failover", "member_floors"])
        guard let node = map.node("members") else {
            throw map.missing("members", hint: "the members in failover order, e.g. members: [{endpoint: hosted}, {variant: local-lora}]")
        }
        let items = try YAMLValue(node: node, file: map.file, path: map.child("members")).list()
        if items.count < 2 {
            throw map.error("members", .invalidValue("lists \(items.count) member\(items.count == 1 ? "" : "s"); "
                + "a route needs a primary and at least one fallback"))
        }
        var members: [RouteMemberPlan] = []
        for item in items {
            let member = try YAMLMapping(item.node, file: map.file, path: item.path)
            try member.allowOnly(["endpoint", "variant"])
            let plan: RouteMemberPlan
            if let node = member.node("endpoint") {
                if member.has("variant") {
                    throw member.error("variant", .invalidValue("is set together with endpoint; a member is one endpoint or one variant"))
                }
                let value = YAMLValue(node: node, file: map.file, path: member.child("endpoint"))
                if endpoints.isEmpty {
                    throw value.invalid("names an endpoint, and the experiment defines none; add an endpoints: block at the top level")
                }
                plan = RouteMemberPlan(.endpoint(try value.choice(endpoints)))
            } else if let variant = try member.string("variant") {
                plan = RouteMemberPlan(.variant(variant))
            } else {
                throw member.missing("endpoint", hint: "one of the experiment's endpoints ({endpoint: hosted}) or variants ({variant: local-lora})")
            }
            if members.contains(where: { $0.name == plan.name }) {
                throw YAMLValue(node: item.node, file: map.file, path: item.path)
                    .invalid("repeats member '\(plan.name)'; list each member once")
            }
            members.append(plan)
        }
        var failover = FailoverPolicy()
        if let policy = try map.mapping("failover") {
            try policy.allowOnly(["on", "after_retries"])
            if let node = policy.node("on") {
                let values = try YAMLValue(node: node, file: map.file, path: policy.child("on")).list()
                if values.isEmpty {
                    throw policy.error("on", .invalidValue("is an empty list; list the failures that fail over: 5xx, 429, timeout, connect"))
                }
                failover.on = try values.map { FailoverCondition(rawValue: try $0.choice(FailoverCondition.allCases.map(\.rawValue)))! }
            }
            if let retries = try policy.int("after_retries") {
                if retries < 0 || retries > 20 {
                    throw policy.error("after_retries", .invalidValue("is \(retries); use 0 to 20 retries of a member before failing over"))
                }
                failover.afterRetries = retries
            }
        }
        return RoutePlan(name: name, members: members, failover: failover,
                         memberFloors: try memberFloors(map, members: members.map(\.name)))
    }

    /// `member_floors: {local-lora: {em: 20}}`: floors a member must reach on its own.
    private func memberFloors(_ map: YAMLMapping, members: [String]) throws -> [String: [String: Double]] {
        guard let floors = try map.mapping("member_floors") else { return [:] }
        var result: [String: [String: Double]] = [:]
        for member in floors.order {
            if !members.contains(member) {
                throw floors.error(member, .invalidValue("names no member of the route (they are \(members.joined(separator: ", "))); "
                    + "set floors for one of them"))
            }
            let metrics = try YAMLMapping(floors.node(member)!, file: map.file, path: floors.child(member))
            try metrics.allowOnly(EvalSetPlan.knownMetrics)
            for metric in metrics.order {
                result[member, default: [:]][metric] = try metrics.required(metrics.double(metric), metric, hint: "the floor, e.g. em: 20")
            }
        }
        return result
    }

    /// A variant that serves a route (`{name: support-route, route: support}`); nil for any other.
    static func routeVariant(_ map: YAMLMapping, routes: [String]) throws -> VariantPlan? {
        guard let node = map.node("route") else { return nil }
        try map.allowOnly(["name", "route"])
        let name = try map.required(map.string("name"), "name", hint: "a name for the variant, e.g. name: support-route")
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw map.error("name", .invalidValue("is empty")) }
        let value = YAMLValue(node: node, file: map.file, path: map.child("route"))
        if routes.isEmpty {
            throw value.invalid("names a route, and the experiment defines none; add a routes: block at the top level")
        }
        return VariantPlan(name: name, source: .route(name: try value.choice(routes)))
    }

    /// Checks that variant members name variants that are not routes, then reads the drills.
    func attach(_ routes: [RoutePlan], to experiment: inout ExperimentFile) throws {
        let routeMap = try root.mapping("routes")
        for route in routes {
            for member in route.memberFloors.keys.sorted() where RouteVariants.ownVariant(of: member, route: route,
                                                                                           variants: experiment.variants) == nil {
                throw routeMap!.error(route.name, .invalidValue("sets member_floors for endpoint member '\(member)', which no variant "
                    + "evaluates on its own; add a variant {name: \(member), endpoint: \(member)}"))
            }
            for case .variant(let name) in route.members.map(\.source) {
                guard let variant = experiment.variants.first(where: { $0.name == name }) else {
                    let known = experiment.variants.map(\.name)
                    throw routeMap!.error(route.name, .invalidValue("has member variant '\(name)', which is not under variants"
                        + (known.isEmpty ? "; add it there" : " (they are \(known.joined(separator: ", ")))")))
                }
                if case .route = variant.source {
                    throw routeMap!.error(route.name, .invalidValue("has member variant '\(name)', which serves a route itself; "
                        + "list that route's members instead"))
                }
            }
        }
        experiment.routes = routes
        experiment.drills = try DrillListParser(root: root).drills(routes: routes, variants: experiment.variants)
    }
}

extension ExperimentFile {
    /// `model: route:NAME` as the runner passes a route variant to an evaluation.
    public static let routePrefix = "route:"

    public func route(named name: String) -> RoutePlan? { routes.first { $0.name == name } }

    public func drill(named name: String) -> DrillPlan? { drills.first { $0.name == name } }
}
