import Foundation
import TensorKit
import Gate
import Yams

extension ExperimentFile {
    /// Experiment files are hand-written and small; anything larger is a mistake.
    public static let maximumFileBytes = 1_048_576

    /// Reads and validates an experiment file; `path` is also how errors name it.
    public static func load(path: String) throws -> ExperimentFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be opened" : "no such file"
            throw ExperimentFileError(file: path, line: nil, key: "", problem: .unreadable(reason))
        }
        guard data.count <= maximumFileBytes else {
            throw ExperimentFileError(file: path, line: nil, key: "",
                                      problem: .unreadable("it is \(data.count) bytes; experiment files are limited to 1 MiB"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExperimentFileError(file: path, line: nil, key: "", problem: .unreadable("it is not UTF-8 text"))
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses experiment YAML; `file` names the source in errors.
    public static func parse(yaml: String, file: String) throws -> ExperimentFile {
        let root = try compose(yaml, file: file)
        guard let root else {
            throw ExperimentFileError(file: file, line: nil, key: "name",
                                      problem: .missingKey(hint: "name, model and eval_sets (the file is empty)"))
        }
        return try ExperimentParser(root: try YAMLMapping(root, file: file, path: "")).experiment()
    }

    /// Gate rules for `tollgate gate --rules FILE`: either a whole experiment file, or a file with
    /// only `gates` (metric names em, bleu, chrf, chrf++) and `budgets`.
    public static func parseGatePolicy(yaml: String, file: String) throws -> GatePolicy {
        let root = try compose(yaml, file: file)
        guard let root else {
            throw ExperimentFileError(file: file, line: nil, key: "gates", problem: .missingKey(hint: "gates per metric (the file is empty)"))
        }
        let mapping = try YAMLMapping(root, file: file, path: "")
        if mapping.has("eval_sets") || mapping.has("model") {
            return try ExperimentParser(root: mapping).experiment().gatePolicy
        }
        return try ExperimentParser(root: mapping).gatePolicyOnly()
    }

    private static func compose(_ yaml: String, file: String) throws -> Node? {
        if let line = ExperimentFileNesting.lineExceedingDepth(in: yaml) {
            throw ExperimentFileError(file: file, line: line, key: "", problem: .syntax(
                "the nesting is deeper than \(ExperimentFileNesting.maximumDepth) levels (counting indentation and brackets)"))
        }
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
    }

    private static func syntaxError(_ error: YamlError, file: String) -> ExperimentFileError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let message = context.map { "\(problem) (\($0.text))" } ?? problem
            return ExperimentFileError(file: file, line: mark.line, key: "", problem: .syntax(message))
        case let .reader(problem, _, _, _):
            return ExperimentFileError(file: file, line: nil, key: "", problem: .syntax(problem))
        default:
            return ExperimentFileError(file: file, line: nil, key: "", problem: .syntax(String(describing: error)))
        }
    }
}

/// Turns the validated top-level mapping into an `ExperimentFile`, section by section.
struct ExperimentParser {
    let root: YAMLMapping

    func experiment() throws -> ExperimentFile {
        try root.allowOnly(["name", "model", "adapter", "training", "eval_sets", "baseline", "checkpoints", "gates", "budgets", "drift",
                            "variants", "endpoints", "correction", "privacy", "sweep", "routes", "drills", "judges"])
        let name = try root.required(root.string("name"), "name", hint: "a name for the experiment, e.g. name: nightly")
        let model = try root.required(root.string("model"), "model", hint: "the GGUF model path, e.g. model: models/SmolLM2-135M-Instruct.Q4_1.gguf")
        try nonEmpty(name, "name", in: root)
        try nonEmpty(model, "model", in: root)
        let endpoints = try EndpointListParser(root: root).endpoints()
        if model.hasPrefix(ExperimentFile.endpointPrefix) {
            let named = String(model.dropFirst(ExperimentFile.endpointPrefix.count))
            guard endpoints.contains(where: { $0.name == named }) else {
                throw root.error("model", .invalidValue(endpoints.isEmpty
                    ? "names endpoint '\(named)', and the experiment defines no endpoints; add it under endpoints:"
                    : "names endpoint '\(named)', which is not under endpoints (they are \(endpoints.map(\.name).joined(separator: ", ")))"))
            }
            for key in ["training", "adapter"] where root.has(key) {
                throw root.error(key, .invalidValue("is set, and the model is an endpoint, which serves its own weights; "
                    + "remove \(key), or name a GGUF as the model"))
            }
        }
        let training = try root.mapping("training").map(trainingPlan)
        let adapter = try root.string("adapter")
        if adapter != nil && training != nil {
            throw root.error("adapter", .invalidValue("is set together with training; a trained experiment's candidate is the adapter it trains"))
        }
        let evalSets = try evalSetPlans()
        var computed: [String] = []
        for metric in evalSets.flatMap(\.metrics) where !computed.contains(metric) { computed.append(metric) }
        let judges = try JudgeListParser(root: root).judges(evalSets: evalSets, endpoints: endpoints.map(\.name))
        computed += judges.map(\.metric)
        let gates = try root.mapping("gates").map { try gateRules($0, metrics: computed) } ?? []
        var experiment = ExperimentFile(name: name, model: model, training: training, evalSets: evalSets,
                                        baseline: try baseline(), checkpoints: try checkpointPlan(evalSets: evalSets, gates: gates),
                                        gates: gates, budgets: try budgetPlan(), drift: try driftPlan())
        experiment.privacy = try PrivacyBlockParser(root: root).plan()
        experiment.sweep = try SweepBlockParser(root: root).grid(hasTraining: training != nil)
        experiment.adapter = adapter
        experiment.endpoints = endpoints
        let routes = try RouteListParser(root: root).routes(endpoints: endpoints.map(\.name))
        experiment.judges = judges
        experiment.variants = try VariantListParser(root: root).plans(hasAdapter: adapter != nil || training != nil,
                                                                      endpoints: endpoints.map(\.name), routes: routes.map(\.name))
        try RouteListParser(root: root).attach(routes, to: &experiment)
        if experiment.modelIsEndpoint, let fused = experiment.variants.first(where: {
            if case .fused = $0.source { return true } else { return false }
        }) {
            throw root.error("variants", .invalidValue("variant \(fused.name) fuses an adapter into the model, which is an endpoint; fuse needs a GGUF model"))
        }
        if let node = root.node("correction") {
            let choice = try YAMLValue(node: node, file: root.file, path: "correction")
                .choice(MultipleTestingCorrection.allCases.map(\.rawValue))
            experiment.correction = MultipleTestingCorrection(rawValue: choice) ?? .holm
        }
        try checkGuards(experiment)
        return experiment
    }

    func gatePolicyOnly() throws -> GatePolicy {
        try root.allowOnly(["gates", "budgets", "correction"])
        let gates = try root.mapping("gates").map { try gateRules($0, metrics: EvalSetPlan.knownMetrics) } ?? []
        let budgets = try budgetPlan()
        var correction = MultipleTestingCorrection.holm
        if let node = root.node("correction") {
            correction = MultipleTestingCorrection(rawValue: try YAMLValue(node: node, file: root.file, path: "correction")
                .choice(MultipleTestingCorrection.allCases.map(\.rawValue))) ?? .holm
        }
        return GatePolicy(rules: gates, budgets: Budgets(p95LatencySeconds: budgets.p95LatencySeconds,
                                                         costPerThousandRequests: budgets.costPer1000Requests),
                          correction: correction)
    }

    private func nonEmpty(_ value: String, _ key: String, in mapping: YAMLMapping) throws {
        if value.trimmingCharacters(in: .whitespaces).isEmpty { throw mapping.error(key, .invalidValue("is empty")) }
    }

    private func positive<T: Comparable & Numeric>(_ value: T?, _ key: String, in mapping: YAMLMapping) throws -> T? {
        if let value, value <= 0 { throw mapping.error(key, .invalidValue("is \(value); it must be greater than 0")) }
        return value
    }

    private func trainingPlan(_ map: YAMLMapping) throws -> TrainingPlan {
        try map.allowOnly(["data", "valid", "out", "rank", "alpha", "targets", "steps", "epochs", "batch_size", "lr",
                           "optimizer", "seed", "save_every", "template", "init_adapter", "resume", "precision", "selection"]
                          + TemplateKeys.names)
        var plan = TrainingPlan(data: try map.required(map.string("data"), "data", hint: "the JSONL training data path"))
        plan.valid = try map.string("valid")
        plan.out = try map.string("out")
        plan.rank = try positive(map.int("rank"), "rank", in: map) ?? plan.rank
        plan.alpha = try positive(map.double("alpha"), "alpha", in: map) ?? plan.alpha
        if let targets = try map.stringList("targets") {
            try checkChoices(targets, allowed: TrainingPlan.allowedTargets, key: "targets", in: map)
            plan.targets = targets
        }
        plan.steps = try positive(map.int("steps"), "steps", in: map)
        plan.epochs = try positive(map.double("epochs"), "epochs", in: map)
        if plan.steps != nil && plan.epochs != nil {
            throw map.error("epochs", .invalidValue("is set together with steps; give one of steps or epochs"))
        }
        plan.batchSize = try positive(map.int("batch_size"), "batch_size", in: map) ?? plan.batchSize
        plan.learningRate = try positive(map.double("lr"), "lr", in: map) ?? plan.learningRate
        if let node = map.node("optimizer") {
            plan.optimizer = try YAMLValue(node: node, file: map.file, path: map.child("optimizer")).choice(TrainingPlan.optimizers)
        }
        plan.seed = try map.int("seed") ?? plan.seed
        plan.saveEvery = try positive(map.int("save_every"), "save_every", in: map)
        if let node = map.node("template") {
            plan.template = try YAMLValue(node: node, file: map.file, path: map.child("template")).string()
        }
        let templateKeys = try TemplateKeys(map)
        (plan.templateFile, plan.templateVariables, plan.templateDate) = (templateKeys.file, templateKeys.variables, templateKeys.date)
        plan.initAdapter = try map.string("init_adapter")
        plan.resume = try map.bool("resume") ?? plan.resume
        if let node = map.node("precision") {
            plan.precision = try YAMLValue(node: node, file: map.file, path: map.child("precision")).choice(TrainingPlan.precisions)
        }
        if let selection = try map.mapping("selection") {
            try selection.allowOnly(["fraction", "seed"])
            if let fraction = try selection.double("fraction") {
                if !(fraction > 0 && fraction <= 0.5) {
                    throw selection.error("fraction", .invalidValue("is \(fraction); carve a share between 0 and 0.5 of the training data, such as 0.1"))
                }
                plan.selection.fraction = fraction
            }
            plan.selection.seed = try selection.int("seed") ?? plan.selection.seed
        }
        return plan
    }

    /// Every item of a list must be one of `allowed`, at least one, no repeats.
    private func checkChoices(_ items: [String], allowed: [String], key: String, in map: YAMLMapping) throws {
        let list = try YAMLValue(node: map.node(key)!, file: map.file, path: map.child(key)).list()
        if items.isEmpty { throw map.error(key, .invalidValue("is an empty list; name at least one of \(allowed.joined(separator: ", "))")) }
        var seen = Set<String>()
        for (item, value) in zip(items, list) {
            _ = try value.choice(allowed)
            if !seen.insert(item).inserted { throw value.invalid("repeats '\(item)'; list each once") }
        }
    }

    private func evalSetPlans() throws -> [EvalSetPlan] {
        guard let node = root.node("eval_sets") else {
            throw root.missing("eval_sets", hint: "a list of eval sets, each with a dataset path")
        }
        let items = try YAMLValue(node: node, file: root.file, path: "eval_sets").list()
        if items.isEmpty { throw root.error("eval_sets", .invalidValue("is an empty list; add at least one eval set with a dataset path")) }
        var plans: [EvalSetPlan] = []
        for item in items {
            let map = try YAMLMapping(item.node, file: root.file, path: item.path)
            let plan = try evalSetPlan(map)
            if plans.contains(where: { $0.name == plan.name }) {
                throw map.error(map.has("name") ? "name" : "dataset",
                                .invalidValue("gives a second eval set named '\(plan.name)'; give each eval set its own name"))
            }
            plans.append(plan)
        }
        return plans
    }

    private func evalSetPlan(_ map: YAMLMapping) throws -> EvalSetPlan {
        try map.allowOnly(["name", "dataset", "metrics", "decoding", "limit", "batch_size", "kind", "truncation"])
        let dataset = try map.required(map.string("dataset"), "dataset", hint: "the JSONL holdout path, e.g. dataset: Datasets/capitals/holdout.jsonl")
        var plan = EvalSetPlan(name: try map.string("name") ?? defaultName(dataset), dataset: dataset)
        if let node = map.node("kind") {
            plan.kind = try YAMLValue(node: node, file: map.file, path: map.child("kind")).choice(EvalSetPlan.kinds)
        }
        if plan.isGuard { return try guardPlan(plan, map) }
        if let metrics = try map.stringList("metrics") {
            try checkChoices(metrics, allowed: EvalSetPlan.knownMetrics, key: "metrics", in: map)
            plan.metrics = metrics
        }
        plan.limit = try positive(map.int("limit"), "limit", in: map)
        plan.batchSize = try positive(map.int("batch_size"), "batch_size", in: map)
        if let decoding = try map.mapping("decoding") {
            try decoding.allowOnly(["max_tokens", "temperature", "top_p", "seed", "template", "precision"] + TemplateKeys.names)
            plan.decoding.maxTokens = try positive(decoding.int("max_tokens"), "max_tokens", in: decoding) ?? plan.decoding.maxTokens
            if let temperature = try decoding.double("temperature") {
                if temperature < 0 { throw decoding.error("temperature", .invalidValue("is \(temperature); use 0 (greedy) or more")) }
                plan.decoding.temperature = temperature
            }
            if let topP = try decoding.double("top_p") {
                if !(topP > 0 && topP <= 1) { throw decoding.error("top_p", .invalidValue("is \(topP); use a value in (0, 1]")) }
                plan.decoding.topP = topP
            }
            plan.decoding.seed = try decoding.int("seed")
            if let node = decoding.node("template") {
                plan.decoding.template = try YAMLValue(node: node, file: map.file, path: decoding.child("template")).string()
            }
            let templateKeys = try TemplateKeys(decoding)
            plan.decoding.templateFile = templateKeys.file
            plan.decoding.templateVariables = templateKeys.variables
            plan.decoding.templateDate = templateKeys.date
            if let node = decoding.node("precision") {
                plan.decoding.precision = try YAMLValue(node: node, file: map.file, path: decoding.child("precision"))
                    .choice(TrainingPlan.precisions)
            }
        }
        return plan
    }

    /// "Datasets/capitals/holdout.jsonl" → "capitals/holdout"; "holdout.jsonl" → "holdout".
    private func defaultName(_ dataset: String) -> String {
        let url = URL(fileURLWithPath: dataset)
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent().lastPathComponent
        return dataset.contains("/") && !folder.isEmpty && folder != "/" && folder != "." ? "\(folder)/\(stem)" : stem
    }

    private func baseline() throws -> BaselineChoice {
        guard let node = root.node("baseline") else { return .base }
        let value = YAMLValue(node: node, file: root.file, path: "baseline")
        if case .mapping = node {
            let map = try YAMLMapping(node, file: root.file, path: "baseline")
            try map.allowOnly(["pinned"])
            let pinned = try map.required(map.string("pinned"), "pinned", hint: "an evaluation id or an evaluation JSON file")
            try nonEmpty(pinned, "pinned", in: map)
            return .pinned(pinned)
        }
        guard case .scalar = node else { throw value.wrongType("base, last_go or {pinned: <evaluation id or file>}") }
        return try value.choice(["base", "last_go"]) == "base" ? .base : .lastGo
    }

    private func checkpointPlan(evalSets: [EvalSetPlan], gates: [MetricRule]) throws -> CheckpointPlan {
        var plan = CheckpointPlan()
        guard let map = try root.mapping("checkpoints") else {
            plan.metric = gates.first { evalSets[0].metrics.contains($0.metric) }?.metric ?? evalSets[0].metrics.first
            return plan
        }
        try map.allowOnly(["evaluate", "choose", "metric", "eval_set"])
        if let node = map.node("evaluate") {
            let value = YAMLValue(node: node, file: map.file, path: map.child("evaluate"))
            if tagName(node) == .int {
                let count = try value.int()
                if count < 1 { throw value.invalid("is \(count); give the number of last checkpoints to score (1 or more), all or final") }
                plan.evaluate = .last(count)
            } else {
                guard case .scalar = node else { throw value.wrongType("all, final or a number of last checkpoints") }
                plan.evaluate = try value.choice(["all", "final"]) == "all" ? .all : .final
            }
        }
        if let node = map.node("choose") {
            plan.choose = try YAMLValue(node: node, file: map.file, path: map.child("choose")).choice(CheckpointPlan.choices)
        }
        if let node = map.node("eval_set") {
            let name = try YAMLValue(node: node, file: map.file, path: map.child("eval_set")).choice(evalSets.map(\.name))
            // Choosing on a set the gate then decides on would grade the candidate on the data it was picked for.
            let gatedHere = gates.map(\.metric).filter { evalSets.first { $0.name == name }!.metrics.contains($0) }
            if !gatedHere.isEmpty {
                throw map.error("eval_set", .invalidValue(
                    "names '\(name)', an eval set the gate decides on (\(gatedHere.joined(separator: ", "))), so choosing a checkpoint on it "
                        + "would peek at the holdout; remove eval_set to choose on training.valid or the split carved from training.data "
                        + "(training.selection), or name an eval set no gate uses"))
            }
            plan.evalSet = name
        }
        let rankingSet = evalSets.first { $0.name == plan.evalSet } ?? evalSets[0]
        if let node = map.node("metric") {
            plan.metric = try YAMLValue(node: node, file: map.file, path: map.child("metric")).choice(rankingSet.metrics)
        } else {
            plan.metric = gates.first { rankingSet.metrics.contains($0.metric) }?.metric ?? rankingSet.metrics.first
        }
        return plan
    }

    /// - Parameter metrics: the metrics a gate may name. In an experiment, those its eval sets compute:
    ///   a gate on any other would fail every night, so it is caught (with typos) here.
    private func gateRules(_ map: YAMLMapping, metrics: [String]) throws -> [MetricRule] {
        try map.allowOnly(metrics)
        return try map.order.map { metric in
            let rule = try YAMLMapping(map.node(metric)!, file: map.file, path: map.child(metric))
            try rule.allowOnly(["floor", "max_drop", "max_relative_drop", "greater_is_better", "significance"])
            let maxDrop = try rule.double("max_drop")
            if let maxDrop, maxDrop < 0 { throw rule.error("max_drop", .invalidValue("is \(maxDrop); use 0 (no drop allowed) or more")) }
            let maxRelativeDrop = try rule.double("max_relative_drop")
            if let maxRelativeDrop, maxRelativeDrop < 0 {
                throw rule.error("max_relative_drop", .invalidValue("is \(maxRelativeDrop); use a fraction such as 0.05 for 5%"))
            }
            let alpha = try rule.double("significance")
            if let alpha, !(alpha > 0 && alpha < 1) {
                throw rule.error("significance", .invalidValue("is \(alpha); use a significance level between 0 and 1, such as 0.05"))
            }
            return MetricRule(metric: metric, floor: try rule.double("floor"), maxDrop: maxDrop, maxRelativeDrop: maxRelativeDrop,
                              greaterIsBetter: try rule.bool("greater_is_better") ?? true, significanceAlpha: alpha)
        }
    }

    private func budgetPlan() throws -> BudgetPlan {
        var plan = BudgetPlan()
        guard let map = try root.mapping("budgets") else { return plan }
        try map.allowOnly(["p95_latency_seconds", "cost_per_1000_requests", "cpu_hour_price", "max_cost", "max_error_rate"])
        plan.p95LatencySeconds = try positive(map.double("p95_latency_seconds"), "p95_latency_seconds", in: map)
        if let maxCost = try map.double("max_cost") {
            if maxCost < 0 { throw map.error("max_cost", .invalidValue("is \(maxCost); give the dollars the run may spend on endpoints")) }
            plan.maxCost = maxCost
        }
        if let rate = try map.double("max_error_rate") {
            if !(0...1).contains(rate) { throw map.error("max_error_rate", .invalidValue("is \(rate); give a share between 0 and 1, such as 0.01")) }
            plan.maxErrorRate = rate
        }
        plan.costPer1000Requests = try positive(map.double("cost_per_1000_requests"), "cost_per_1000_requests", in: map)
        plan.cpuHourPrice = try positive(map.double("cpu_hour_price"), "cpu_hour_price", in: map)
        if plan.costPer1000Requests != nil && plan.cpuHourPrice == nil {
            throw map.missing("cpu_hour_price", hint: "the price of one CPU hour; the cost budget is checked against measured CPU time × this price")
        }
        return plan
    }

    private func driftPlan() throws -> DriftPlan {
        var plan = DriftPlan()
        guard let map = try root.mapping("drift") else { return plan }
        try map.allowOnly(["recent_go_runs", "flaky_minimum_flips"])
        plan.recentGoRuns = try positive(map.int("recent_go_runs"), "recent_go_runs", in: map) ?? plan.recentGoRuns
        plan.flakyMinimumFlips = try positive(map.int("flaky_minimum_flips"), "flaky_minimum_flips", in: map) ?? plan.flakyMinimumFlips
        return plan
    }
}
