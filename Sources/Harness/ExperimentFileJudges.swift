import Foundation
import Yams

/// Reads `judges:`, a list of judges (see `JudgePlan` for the keys and what each kind measures).
/// Every error names the file, the line and the key, and says what to write instead.
struct JudgeListParser {
    let root: YAMLMapping

    static let keys = ["name", "kind", "model", "adapter", "rubric", "scale", "with_reference", "template", "template_file",
                       "decoding", "constrain", "max_unscored", "min_kappa", "calibration", "eval_sets"]

    func judges(evalSets: [EvalSetPlan], endpoints: [String]) throws -> [JudgePlan] {
        guard let node = root.node("judges") else { return [] }
        var judges: [JudgePlan] = []
        for item in try YAMLValue(node: node, file: root.file, path: "judges").list() {
            let map = try YAMLMapping(item.node, file: root.file, path: item.path)
            let judge = try self.judge(map, evalSets: evalSets, endpoints: endpoints)
            if judges.contains(where: { $0.name == judge.name }) {
                throw map.error("name", .invalidValue("gives a second judge named '\(judge.name)'; give each judge its own name"))
            }
            judges.append(judge)
        }
        if !judges.isEmpty, root.has("variants") {
            throw root.error("judges", .invalidValue("is set together with variants; judges compare one baseline with one candidate "
                + "for now, so run the judges in an experiment without variants"))
        }
        return judges
    }

    private func judge(_ map: YAMLMapping, evalSets: [EvalSetPlan], endpoints: [String]) throws -> JudgePlan {
        try map.allowOnly(Self.keys)
        let name = try map.required(map.string("name"), "name", hint: "a name for the judge; its metric is judge:NAME")
        guard name.range(of: "^[A-Za-z0-9_.-]+$", options: .regularExpression) != nil else {
            throw map.error("name", .invalidValue("is '\(name)'; use letters, digits, '_', '.' or '-' (it becomes the metric judge:\(name))"))
        }
        guard let kindNode = map.node("kind") else {
            throw map.missing("kind", hint: "rubric, reference or pairwise")
        }
        let kindName = try YAMLValue(node: kindNode, file: map.file, path: map.child("kind")).choice(JudgePlan.Kind.allCases.map(\.rawValue))
        let model = try map.required(map.string("model"), "model", hint: "the judge model: a GGUF path or endpoint:NAME")
        var plan = JudgePlan(name: name, kind: JudgePlan.Kind(rawValue: kindName)!, model: model)
        if model.hasPrefix(ExperimentFile.endpointPrefix) {
            let named = String(model.dropFirst(ExperimentFile.endpointPrefix.count))
            guard endpoints.contains(named) else {
                throw map.error("model", .invalidValue("names endpoint '\(named)', which is not under endpoints; add it there"))
            }
            if map.has("adapter") { throw map.error("adapter", .invalidValue("is set, and the judge is an endpoint; remove adapter")) }
            plan.constrain = .jsonSchema
        }
        if let node = map.node("constrain") {
            let value = YAMLValue(node: node, file: map.file, path: map.child("constrain"))
            // YAML reads a bare `off` as the boolean false.
            if case .scalar(let scalar) = node, ["off", "false", "no"].contains(scalar.string.lowercased()) {
                plan.constrain = .off
            } else {
                plan.constrain = JudgeConstraint(rawValue: try value.choice(JudgeConstraint.allCases.map(\.rawValue)))!
            }
            if plan.constrain != .off, !model.hasPrefix(ExperimentFile.endpointPrefix) {
                throw value.invalid("is \(plan.constrain.rawValue) on a GGUF judge; a server's structured output constrains "
                    + "endpoint judges only, so remove constrain (a GGUF judge writes a VERDICT line)")
            }
        }
        plan.adapter = try map.string("adapter")
        plan.rubric = try map.string("rubric")
        if plan.kind == .rubric, plan.rubric == nil, !map.has("template"), !map.has("template_file") {
            throw map.missing("rubric", hint: "the criterion the judge applies, e.g. rubric: The reply answers the question politely")
        }
        if let node = map.node("scale") {
            let value = YAMLValue(node: node, file: map.file, path: map.child("scale"))
            guard plan.kind == .rubric else { throw value.invalid("is set on a \(kindName) judge; only rubric judges have a scale") }
            if case .scalar(let scalar) = node, let points = Int(scalar.string) {
                guard (2...10).contains(points) else { throw value.invalid("is \(points); give pass_fail or a number of points from 2 to 10") }
                plan.scalePoints = points
            } else {
                _ = try value.choice(["pass_fail"])
            }
        }
        if let withReference = try map.bool("with_reference") {
            if plan.kind == .reference { throw map.error("with_reference", .invalidValue("is set on a reference judge, which always sees the reference")) }
            plan.withReference = withReference
        }
        plan.template = try map.string("template")
        plan.templateFile = try map.string("template_file")
        if plan.template != nil && plan.templateFile != nil {
            throw map.error("template_file", .invalidValue("is set together with template; give one of them"))
        }
        if let file = plan.templateFile, !FileManager.default.fileExists(atPath: file) {
            throw map.error("template_file", .invalidValue("names \(file), which does not exist"))
        }
        if let decoding = try map.mapping("decoding") {
            try decoding.allowOnly(["max_tokens", "temperature", "seed"])
            if let maxTokens = try decoding.int("max_tokens") {
                guard maxTokens > 0 else { throw decoding.error("max_tokens", .invalidValue("is \(maxTokens); it must be greater than 0")) }
                plan.maxTokens = maxTokens
            }
            if let temperature = try decoding.double("temperature") {
                guard temperature >= 0 else { throw decoding.error("temperature", .invalidValue("is \(temperature); use 0 (greedy) or more")) }
                plan.temperature = temperature
            }
            plan.seed = try decoding.int("seed") ?? plan.seed
        }
        if let maxUnscored = try map.int("max_unscored") {
            guard maxUnscored >= 0 else { throw map.error("max_unscored", .invalidValue("is \(maxUnscored); give 0 or more")) }
            plan.maxUnscored = maxUnscored
        }
        if let minKappa = try map.double("min_kappa") {
            guard (-1...1).contains(minKappa) else { throw map.error("min_kappa", .invalidValue("is \(minKappa); give a κ between -1 and 1, such as 0.4")) }
            plan.minKappa = minKappa
        }
        plan.calibration = try map.string("calibration")
        if let calibration = plan.calibration {
            if plan.kind == .pairwise {
                throw map.error("calibration", .invalidValue("is set on a pairwise judge; people's verdicts calibrate rubric and reference judges"))
            }
            if !FileManager.default.fileExists(atPath: calibration) {
                throw map.error("calibration", .invalidValue("names \(calibration), which does not exist"))
            }
        }
        if plan.minKappa != nil && plan.calibration == nil {
            throw map.error("min_kappa", .invalidValue("is set, and the judge has no calibration file of people's verdicts to measure κ on; add calibration"))
        }
        if let names = try map.stringList("eval_sets") {
            let list = try YAMLValue(node: map.node("eval_sets")!, file: map.file, path: map.child("eval_sets")).list()
            let generation = evalSets.filter { !$0.isGuard }.map(\.name)
            for value in list { _ = try value.choice(generation) }
            plan.evalSets = names
        }
        return plan
    }
}
