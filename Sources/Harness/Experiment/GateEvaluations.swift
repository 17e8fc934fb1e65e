import Foundation
import Gate
import Metrics
import Store

/// `tollgate gate`: two stored evaluations and a policy → a decision, no model needed.
public enum GateEvaluations {
    public static func decide(storePath: String, baselineID: Int64, candidateID: Int64, policy: GatePolicy,
                              evalSet: String = "holdout") throws -> (decision: GateDecision, comparison: EvaluationComparison) {
        let store = try TollgateStore(path: storePath)
        for id in [baselineID, candidateID] where try store.evaluation(id: id) == nil {
            throw ExperimentRunError.missingEvaluation(id: id, path: storePath)
        }
        for id in [baselineID, candidateID] { try EvaluationMerge.requireComplete(store: store, evaluationID: id) }
        // The metrics both evaluations computed, in the candidate's order.
        let baselineMetrics = Set(try store.metrics(evaluationID: baselineID).map(\.metric))
        let kinds = try store.metrics(evaluationID: candidateID).map(\.metric)
            .filter { baselineMetrics.contains($0) }.compactMap(MetricKind.init(rawValue:))
        let comparison = try EvaluationComparison.load(store: store, evalSet: evalSet, baselineID: baselineID,
                                                       candidateID: candidateID, metrics: kinds)
        let decision = policy.decide(comparisons: comparison.comparisons, evalSets: [evalSet],
                                     candidateServing: comparison.candidateServing)
        return (decision, comparison)
    }
}
