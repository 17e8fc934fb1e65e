import Foundation
import Gate
import Metrics
import Reports
import Store

/// The model-swap part of `tollgate run` (an experiment with `variants:`), after any training:
/// fuse the variants that ask for it → evaluate every variant on every eval set → gate each
/// candidate against the first variant (Holm's correction over all candidates × rules) → choose among the candidates (`VariantSelection`) →
/// reports. Evaluations are created in variant order, so the run's last N are the last variant's.
enum VariantExperiment {
    /// A variant as it is served: a GGUF and the adapter applied at runtime.
    struct Served {
        var name: String
        var model: String
        var adapter: String?
        /// What the weights are, for the report.
        var source: String
        /// Bytes to deploy: the model file plus the adapter's files (0 for an endpoint).
        var bytes: Int64
        /// A route variant's members and policy (and a drill's injection); nil for one model.
        var route: RouteSpec? = nil
        /// A route's identity, known once it is evaluated (a model's is its file's or endpoint's).
        var routeSHA256: String? = nil
    }

    /// A candidate with its comparisons against the baseline and the rules' decision on them.
    struct Gated {
        var variant: Served
        var compared: [EvaluationComparison]
        var serving: ServingFigures
        var decision: GateDecision
    }

    /// - Parameters:
    ///   - adapter: the experiment's adapter: `adapter:`, or the checkpoint training chose.
    ///   - drill: a drill to run: its route under the injected failures joins the candidates, and its decision is the run's.
    ///   - evaluate: scores an eval set with a variant under the run.
    static func run(_ experiment: ExperimentFile, adapter: String?, training: TrainingSummary?, runID: Int64,
                    store: TollgateStore, reportsDirectory: String, commandLine: String, drill: DrillPlan? = nil,
                    evaluate: (EvalSetPlan, Served) throws -> EvaluationSummary,
                    log: (String) -> Void) throws -> ExperimentOutcome {
        // 1. The variants, fused where asked (an identical earlier fusion is reused); routes last,
        //    from their members as served, and a drill's route after them.
        let folder = "runs/\(ExperimentReport.safeName(experiment.name))"
        var variants = try RouteVariants.serveAll(experiment, drill: drill) {
            try serve($0, experiment: experiment, adapter: adapter, folder: folder, log: log)
        }

        // 2. Every variant on every eval set, the baseline first.
        let evaluations = try variants.map { variant in
            try experiment.evalSets.map { try evaluate($0, variant).evaluationID }
        }
        for index in variants.indices where variants[index].route != nil {
            variants[index].routeSHA256 = try RouteVariants.identity(store: store, evaluationID: evaluations[index][0])
        }

        // 3. Each candidate against the baseline, then the choice among the candidates.
        let policy = experiment.gatePolicy
        var gated: [Gated] = []
        var comparedByCandidate = try variants.indices.dropFirst().map { index in
            try experiment.evalSets.enumerated().map { setIndex, plan in
                try EvaluationComparison.load(
                    store: store, evalSet: plan.name, baselineID: evaluations[0][setIndex],
                    candidateID: evaluations[index][setIndex], metrics: plan.metrics.compactMap(MetricKind.init(rawValue:)),
                    significance: experiment.gateSignificance)
            }
        }
        // One family for Holm's correction: every candidate × every significance-gated rule.
        let family = policy.correction.adjust(comparedByCandidate.map { $0.flatMap(\.comparisons) }, rules: policy.rules)
        for (candidate, adjusted) in family.enumerated() {
            for set in comparedByCandidate[candidate].indices {
                comparedByCandidate[candidate][set].comparisons = adjusted.filter { $0.evalSet == comparedByCandidate[candidate][set].evalSet }
            }
        }
        for index in variants.indices.dropFirst() {
            let compared = comparedByCandidate[index - 1]
            let serving = ExperimentRunner.worstServing(compared.map(\.candidateServing))
            var decision = policy.decide(comparisons: compared.flatMap(\.comparisons), evalSets: experiment.evalSets.map(\.name),
                                         candidateServing: serving)
            if let route = variants[index].route {
                decision = try RouteMemberFloors.apply(route, to: decision, experiment: experiment, evaluations: evaluations, store: store)
            }
            log("\(variants[index].name) against \(variants[0].name): \(decision.verdict.rawValue) — \(decision.why)")
            gated.append(Gated(variant: variants[index], compared: compared, serving: serving, decision: decision))
        }
        // A drill decides on its drilled route alone: "the route under the brownout still passes".
        let selection = VariantSelection.decide(baseline: variants[0].name, candidates: gated.filter {
            drill == nil || $0.variant.route?.drill != nil
        }.map {
            VariantCandidate(name: $0.variant.name, decision: $0.decision,
                             costPerThousandRequests: $0.serving.costPerThousandRequests, bytes: $0.variant.bytes)
        })
        let reasons = selection.decision.outcomes.map(\.reason)
            + gated.flatMap { candidate in candidate.decision.outcomes.map { "\(candidate.variant.name): \($0.reason)" } }
        _ = try store.recordGateDecision(GateDecisionRecord(runID: runID, decision: selection.decision.verdict.rawValue,
                                                            reasons: reasons))
        log("decision: \(selection.decision.verdict.rawValue) — \(selection.decision.why)")

        // 4. Reports.
        var report = try ExperimentReport.buildVariants(
            experiment: experiment, runID: runID, selection: selection, baseline: variants[0], candidates: gated,
            training: training, adapter: adapter, commandLine: commandLine)
        report.routes = try RouteFigures.reports(experiment: experiment, variants: variants, evaluations: evaluations, store: store)
        let paths = try ExperimentReport.write(report, experiment: experiment.name, runID: runID,
                                               directory: reportsDirectory, store: store)
        return ExperimentOutcome(runID: runID, decision: selection.decision, report: report, reportPaths: paths)
    }

    static func serve(_ plan: VariantPlan, experiment: ExperimentFile, adapter: String?, folder: String,
                      log: (String) -> Void) throws -> Served {
        let modelName = URL(fileURLWithPath: experiment.model).lastPathComponent
        switch plan.source {
        case .route(let name):
            throw VariantRunError.routeOutOfOrder(variant: plan.name, route: name)
        case .endpoint(let name):
            let reference = ExperimentFile.endpointPrefix + name
            let source = experiment.endpoint(for: reference).map(\.displayName) ?? reference
            return Served(name: plan.name, model: reference, adapter: nil, source: source, bytes: 0)
        case .fused(let type):
            guard let adapter else { throw VariantRunError.nothingToFuse(variant: plan.name) }
            let fused = try FusedModels.fused(model: experiment.model, adapter: adapter, type: type, folder: folder)
            log("\(plan.name): " + (fused.reused ? "\(fused.path) holds the same fusion; reused"
                                                 : "\(modelName) + \(adapter) fused as \(type) into \(fused.path)"))
            return Served(name: plan.name, model: fused.path, adapter: nil, source: "\(modelName) + adapter fused, \(type)",
                          bytes: deployedBytes(model: fused.path, adapter: nil))
        case let .served(model, choice):
            let path = model ?? experiment.model
            if path.hasPrefix(ExperimentFile.endpointPrefix) {
                return try serve(VariantPlan(name: plan.name, source: .endpoint(name: String(path.dropFirst(ExperimentFile.endpointPrefix.count)))),
                                 experiment: experiment, adapter: nil, folder: folder, log: log)
            }
            let runtimeAdapter: String?
            switch choice {
            case .experiment: runtimeAdapter = adapter
            case .none: runtimeAdapter = nil
            case .path(let given): runtimeAdapter = given
            }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let source = runtimeAdapter.map { "\(name) + \(choice == .experiment ? "adapter" : URL(fileURLWithPath: $0).lastPathComponent) at runtime" }
                ?? name
            return Served(name: plan.name, model: path, adapter: runtimeAdapter, source: source,
                          bytes: deployedBytes(model: path, adapter: runtimeAdapter))
        }
    }

    /// The model file's bytes plus the adapter's (a GGUF file, or a PEFT folder's config and weights),
    /// through symbolic links (models/ usually links to a shared copy).
    static func deployedBytes(model: String, adapter: String?) -> Int64 {
        if model.hasPrefix(ExperimentFile.endpointPrefix) { return 0 }
        var paths = [model]
        if let adapter {
            paths += AdapterFiles.isDirectory(adapter)
                ? ["adapter_config.json", "adapter_model.safetensors"].map { URL(fileURLWithPath: adapter).appendingPathComponent($0).path }
                : [adapter]
        }
        return paths.reduce(0) { total, path in
            let target = (path as NSString).resolvingSymlinksInPath
            return total + (((try? FileManager.default.attributesOfItem(atPath: target))?[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    /// Variant files that must exist before anything is trained or evaluated.
    static func checkFiles(_ experiment: ExperimentFile) throws {
        for plan in experiment.variants {
            guard case let .served(model, choice) = plan.source else { continue }
            if (model ?? experiment.model).hasPrefix(ExperimentFile.endpointPrefix) { continue }
            if let model, !FileManager.default.fileExists(atPath: model) {
                throw VariantRunError.missingModel(variant: plan.name, path: model)
            }
            if case .path(let adapter) = choice { _ = try AdapterFiles.load(path: adapter, model: model ?? experiment.model) }
        }
    }
}

public enum VariantRunError: LocalizedError, Equatable {
    case nothingToFuse(variant: String)
    case missingModel(variant: String, path: String)
    case routeOutOfOrder(variant: String, route: String)

    public var errorDescription: String? {
        switch self {
        case .nothingToFuse(let variant):
            return "variant \(variant) asks to fuse the experiment's adapter, but the experiment has none; add adapter: or training:"
        case let .missingModel(variant, path):
            return "variant \(variant) names the model \(path), which does not exist; fix the path under variants"
        case let .routeOutOfOrder(variant, route):
            return "variant \(variant) serves route \(route), which is served from its members; list it under variants with route: \(route)"
        }
    }
}
