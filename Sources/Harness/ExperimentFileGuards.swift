import Foundation

/// `eval_sets` entries of `kind: multiple_choice`: general-ability sets (HellaSwag, PIQA, …) scored
/// by log-likelihood as a forgetting guard.
///
/// ```yaml
/// eval_sets:
///   - name: support-routing                   # the first eval set generates (checkpoints are ranked on it)
///     dataset: Datasets/support-routing/holdout.jsonl
///     metrics: [em]
///   - name: hellaswag
///     kind: multiple_choice
///     dataset: Datasets/hellaswag/guard-200.jsonl
///     metrics: [acc_norm]                     # acc, acc_norm (both by default)
///     limit: 100                              # optional
///     truncation: left                        # optional; without it a context over the model's is an error
/// gates:
///   acc_norm: {max_drop: 3, significance: 0.05}   # applies on every set computing acc_norm
/// ```
extension EvalSetPlan {
    public static let kinds = ["generation", "multiple_choice"]

    /// Scored by log-likelihood on the baseline and the candidate only (`GuardEvaluations`).
    public var isGuard: Bool { kind == "multiple_choice" }
}

extension ExperimentParser {
    /// The rest of a guard entry: only name, dataset, kind, metrics, limit and truncation apply.
    func guardPlan(_ plan: EvalSetPlan, _ map: YAMLMapping) throws -> EvalSetPlan {
        var plan = plan
        for key in ["decoding", "batch_size"] where map.has(key) {
            throw map.error(key, .invalidValue("does not apply to a multiple_choice eval set, which scores choices by log-likelihood "
                + "instead of generating; remove \(key)"))
        }
        plan.metrics = GuardEvaluations.metrics
        if let metrics = try map.stringList("metrics") {
            if metrics.isEmpty { throw map.error("metrics", .invalidValue("is an empty list; name acc, acc_norm or both")) }
            for metric in metrics where !GuardEvaluations.metrics.contains(metric) {
                throw map.error("metrics", .invalidValue("names '\(metric)'; a multiple_choice eval set computes acc and acc_norm"))
            }
            plan.metrics = Array(Set(metrics)).sorted()
        }
        if let limit = try map.int("limit") {
            if limit <= 0 { throw map.error("limit", .invalidValue("is \(limit); it must be greater than 0")) }
            plan.limit = limit
        }
        if let node = map.node("truncation") {
            plan.truncation = try YAMLValue(node: node, file: map.file, path: map.child("truncation")).choice(["left"])
        }
        return plan
    }

    /// Guards cannot rank checkpoints or stand first (the validation split takes the first set's
    /// metrics and decoding), and a model-swap experiment does not score them.
    func checkGuards(_ experiment: ExperimentFile) throws {
        guard experiment.evalSets.contains(where: \.isGuard) else { return }
        if experiment.evalSets[0].isGuard {
            throw root.error("eval_sets", .invalidValue("starts with the multiple_choice set \(experiment.evalSets[0].name); "
                + "list a generation eval set first (checkpoints are ranked with its metrics), guards after it"))
        }
        if let name = experiment.checkpoints.evalSet, experiment.evalSets.first(where: { $0.name == name })?.isGuard == true {
            throw root.error("checkpoints", .invalidValue("ranks checkpoints on the guard \(name); guards are scored on the baseline and the candidate only"))
        }
        if !experiment.variants.isEmpty {
            throw root.error("variants", .invalidValue("are set together with a multiple_choice eval set; guards run in experiments "
                + "with one candidate for now — move the guard to an experiment without variants"))
        }
        if experiment.modelIsEndpoint {
            throw root.error("model", .invalidValue("is an endpoint, and multiple_choice eval sets are scored on a local GGUF; "
                + "name a GGUF model or remove the guard"))
        }
    }
}
