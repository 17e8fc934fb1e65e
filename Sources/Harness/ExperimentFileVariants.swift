import Yams

/// Reads `variants:`, the models of a model-swap experiment, from the top-level mapping.
struct VariantListParser {
    let root: YAMLMapping

    /// - Parameters:
    ///   - hasAdapter: whether the experiment names or trains an adapter (`fuse:` needs one).
    ///   - endpoints: the names under `endpoints:` a variant may serve.
    func plans(hasAdapter: Bool, endpoints: [String], routes: [String] = []) throws -> [VariantPlan] {
        guard let node = root.node("variants") else { return [] }
        if root.has("baseline") {
            throw root.error("baseline", .invalidValue(
                "is set together with variants; in a model-swap experiment the first variant is the baseline, so remove baseline"))
        }
        let items = try YAMLValue(node: node, file: root.file, path: "variants").list()
        if items.count < 2 {
            throw root.error("variants", .invalidValue(
                "lists \(items.count) variant\(items.count == 1 ? "" : "s"); list the baseline first and at least one candidate to compare with it"))
        }
        var plans: [VariantPlan] = []
        for item in items {
            let map = try YAMLMapping(item.node, file: root.file, path: item.path)
            let plan = try RouteListParser.routeVariant(map, routes: routes)
                ?? variant(map, hasAdapter: hasAdapter, endpoints: endpoints)
            if plans.contains(where: { $0.name == plan.name }) {
                throw map.error("name", .invalidValue("gives a second variant named '\(plan.name)'; give each variant its own name"))
            }
            plans.append(plan)
        }
        return plans
    }

    private func variant(_ map: YAMLMapping, hasAdapter: Bool, endpoints: [String]) throws -> VariantPlan {
        try map.allowOnly(["name", "fuse", "model", "adapter", "endpoint", "route"])
        let name = try map.required(map.string("name"), "name", hint: "a name for the variant, e.g. name: fused-q8_0")
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw map.error("name", .invalidValue("is empty")) }
        if let node = map.node("endpoint") {
            for other in ["fuse", "model", "adapter"] where map.has(other) {
                throw map.error(other, .invalidValue(
                    "is set together with endpoint; an endpoint serves its own weights, so remove \(other) or endpoint"))
            }
            let value = YAMLValue(node: node, file: map.file, path: map.child("endpoint"))
            if endpoints.isEmpty {
                throw value.invalid("names an endpoint, and the experiment defines none; add an endpoints: block at the top level")
            }
            return VariantPlan(name: name, source: .endpoint(name: try value.choice(endpoints)))
        }
        if let node = map.node("fuse") {
            for other in ["model", "adapter"] where map.has(other) {
                throw map.error(other, .invalidValue(
                    "is set together with fuse; a fused variant is the experiment's model with its adapter folded in, so remove \(other) or fuse"))
            }
            let type = try YAMLValue(node: node, file: map.file, path: map.child("fuse")).choice(VariantPlan.fuseTypes)
            if !hasAdapter {
                throw map.error("fuse", .invalidValue(
                    "needs an adapter to fold into the model, and the experiment has none; add adapter: or training: at the top level"))
            }
            return VariantPlan(name: name, source: .fused(type: type))
        }
        let model = try map.string("model")
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty { throw map.error("model", .invalidValue("is empty")) }
        let adapter: VariantPlan.VariantAdapter
        switch try map.string("adapter") {
        case nil: adapter = model == nil ? .experiment : .none
        case VariantPlan.noAdapter?: adapter = .none
        case let path?:
            if path.trimmingCharacters(in: .whitespaces).isEmpty {
                throw map.error("adapter", .invalidValue("is empty; give an adapter path, or none for the model alone"))
            }
            adapter = .path(path)
        }
        return VariantPlan(name: name, source: .served(model: model, adapter: adapter))
    }
}
