import Foundation
import Gate
import Metrics
import Reports
import Store

/// `tollgate compare`: stored evaluations of two or more models (or adapters, or quantizations)
/// on the same holdout and decoding settings, side by side. The first is the baseline of the
/// paired tests.
public enum ModelComparison {
    public static func compare(storePath: String, evaluationIDs: [Int64], maxExamples: Int = 50) throws -> ComparisonInput {
        let store = try TollgateStore(path: storePath)
        var overviews: [EvaluationOverview] = []
        for id in evaluationIDs {
            guard let overview = try store.evaluationOverviews(runID: nil, limit: 100_000).first(where: { $0.evaluation.id == id }) else {
                throw ExperimentRunError.missingEvaluation(id: id, path: storePath)
            }
            overviews.append(overview)
            try EvaluationMerge.requireComplete(store: store, evaluationID: id)
        }
        let baseline = overviews[0]
        for other in overviews.dropFirst() where other.dataset.sha256 != baseline.dataset.sha256
            || other.evaluation.decodingJSON != baseline.evaluation.decodingJSON {
            throw ComparisonSetupError.notComparable(baseline: evaluationIDs[0], other: other.evaluation.id ?? 0)
        }
        let stored = Set(try store.metrics(evaluationID: evaluationIDs[0]).map(\.metric))
        let kinds = MetricKind.allCases.filter { stored.contains($0.rawValue) }
        let pairs = try evaluationIDs.dropFirst().map {
            try EvaluationComparison.load(store: store, evalSet: baseline.dataset.name, baselineID: evaluationIDs[0],
                                          candidateID: $0, metrics: kinds)
        }
        let metrics = kinds.map { kind -> ComparedMetric in
            let first = pairs.first?.comparisons.first { $0.metric == kind.rawValue }
            var scores = [SystemScore(value: first?.baseline, confidenceInterval: pairs.first?.baselineIntervals[kind.rawValue])]
            for pair in pairs {
                let row = pair.comparisons.first { $0.metric == kind.rawValue }
                scores.append(SystemScore(value: row?.candidate, confidenceInterval: pair.intervals[kind.rawValue], pValue: row?.pValue))
            }
            return ComparedMetric(metric: kind.rawValue, scores: scores)
        }
        return ComparisonInput(
            title: "\(baseline.dataset.name)/\(baseline.dataset.split)", evalSet: baseline.dataset.name,
            systems: overviews.map(systemName),
            metrics: metrics,
            serving: try evaluationIDs.map { try EvaluationComparison.serving(store: store, evaluationID: $0) },
            differingExamples: try differingExamples(store: store, ids: evaluationIDs, limit: maxExamples))
    }

    static func systemName(_ overview: EvaluationOverview) -> String {
        let model = overview.model.architecture == EndpointIdentity.architecture
            ? overview.model.path : URL(fileURLWithPath: overview.model.path).lastPathComponent
        let adapter = overview.adapter.map { " + " + URL(fileURLWithPath: $0.path).lastPathComponent } ?? ""
        return "\(model)\(adapter) (evaluation \(overview.evaluation.id ?? 0))"
    }

    /// Examples on which the systems' outputs are not all the same.
    static func differingExamples(store: TollgateStore, ids: [Int64], limit: Int) throws -> [ComparedExample] {
        let tables = try ids.map { try store.predictions(evaluationID: $0).sorted { $0.exampleIndex < $1.exampleIndex } }
        var examples: [ComparedExample] = []
        for (index, first) in tables[0].enumerated() where examples.count < limit {
            let outputs = tables.map { index < $0.count ? $0[index].output : "" }
            guard Set(outputs).count > 1 else { continue }
            examples.append(ComparedExample(id: first.exampleID ?? "#\(first.exampleIndex)", prompt: first.prompt,
                                            reference: first.references.first ?? "", outputs: outputs))
        }
        return examples
    }
}

public enum ComparisonSetupError: LocalizedError, Equatable {
    case notComparable(baseline: Int64, other: Int64)

    public var errorDescription: String? {
        switch self {
        case let .notComparable(baseline, other):
            return "evaluation \(other) used another dataset or other decoding settings than evaluation \(baseline); "
                + "compare evaluations of the same holdout with the same --max-tokens, --temperature and --template"
        }
    }
}
