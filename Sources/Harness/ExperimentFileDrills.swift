import Yams

/// Reads `drills:`: failures injected on the client side into one member of a route, one drill
/// per `tollgate run --drill NAME`.
///
/// ```yaml
/// drills:
///   - {name: primary-brownout, route: support, inject: {member: hosted, fail_rate: 0.3, status: 503, seed: 1}}
///   - {name: primary-down, route: support, inject: {member: hosted, down: true}}
/// ```
struct DrillListParser {
    let root: YAMLMapping

    func drills(routes: [RoutePlan], variants: [VariantPlan]) throws -> [DrillPlan] {
        guard let node = root.node("drills") else { return [] }
        let items = try YAMLValue(node: node, file: root.file, path: "drills").list()
        var drills: [DrillPlan] = []
        for item in items {
            let map = try YAMLMapping(item.node, file: root.file, path: item.path)
            let drill = try self.drill(map, routes: routes, variants: variants)
            if drills.contains(where: { $0.name == drill.name }) {
                throw map.error("name", .invalidValue("gives a second drill named '\(drill.name)'; give each drill its own name"))
            }
            drills.append(drill)
        }
        return drills
    }

    private func drill(_ map: YAMLMapping, routes: [RoutePlan], variants: [VariantPlan]) throws -> DrillPlan {
        try map.allowOnly(["name", "route", "inject"])
        let name = try map.required(map.string("name"), "name", hint: "a name for the drill, e.g. name: primary-brownout")
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw map.error("name", .invalidValue("is empty")) }
        guard let routeNode = map.node("route") else { throw map.missing("route", hint: "the route to drill, one of routes:") }
        let routeValue = YAMLValue(node: routeNode, file: map.file, path: map.child("route"))
        if routes.isEmpty { throw routeValue.invalid("names a route, and the experiment defines none; add a routes: block") }
        let routeName = try routeValue.choice(routes.map(\.name))
        let route = routes.first { $0.name == routeName }!
        guard variants.contains(where: { $0.source == .route(name: route.name) }) else {
            throw routeValue.invalid("names route '\(route.name)', which no variant serves; add a variant {name: ..., route: \(route.name)}")
        }
        guard let inject = try map.mapping("inject") else {
            throw map.missing("inject", hint: "the failures to inject, e.g. inject: {member: hosted, fail_rate: 0.3, status: 503, seed: 1}")
        }
        try inject.allowOnly(["member", "fail_rate", "status", "seed", "down"])
        guard let memberNode = inject.node("member") else {
            throw inject.missing("member", hint: "the member that fails, one of \(route.members.map(\.name).joined(separator: ", "))")
        }
        let member = try YAMLValue(node: memberNode, file: map.file, path: inject.child("member")).choice(route.members.map(\.name))
        let seed = try inject.int("seed") ?? 0
        if seed < 0 { throw inject.error("seed", .invalidValue("is \(seed); use a seed of 0 or more")) }
        if try inject.bool("down") == true {
            for key in ["fail_rate", "status"] where inject.has(key) {
                throw inject.error(key, .invalidValue("is set together with down: true; a member that is down fails every request, so remove \(key)"))
            }
            return DrillPlan(name: name, route: route.name, inject: FailureInjection(member: member, failRate: 1, seed: UInt64(seed), down: true))
        }
        let rate = try inject.required(inject.double("fail_rate"), "fail_rate",
                                       hint: "the share of the member's requests that fail, e.g. fail_rate: 0.3 (or down: true)")
        if !(rate > 0 && rate <= 1) { throw inject.error("fail_rate", .invalidValue("is \(rate); use a share above 0 and at most 1")) }
        let status = try inject.int("status") ?? 503
        if !(status == 408 || status == 429 || (500...599).contains(status)) {
            throw inject.error("status", .invalidValue("is \(status); inject a status a route fails over on: 408, 429 or 500 to 599"))
        }
        return DrillPlan(name: name, route: route.name,
                         inject: FailureInjection(member: member, failRate: rate, status: status, seed: UInt64(seed)))
    }
}
