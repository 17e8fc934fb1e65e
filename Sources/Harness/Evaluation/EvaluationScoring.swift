import Foundation
import Metrics
import Store

/// How an evaluation turns its predictions into metric rows: recorded with every shard, so a merge
/// scores the union of the shards' predictions exactly as one unsharded run would have.
public struct ScoringSettings: Codable, Sendable, Equatable {
    public var metrics: [MetricKind]
    public var normalize: AnswerNormalization
    public var bootstrapResamples: Int
    public var cpuHourPrice: Double
    /// Endpoints count latency over requested answers only and take their cost from token prices.
    public var isEndpoint: Bool
    /// Routes count latency over every answer (a member's cached answer keeps its latency) and
    /// take each answer's cost from its member; nil (not encoded) for one model.
    public var isRoute: Bool?

    public init(metrics: [MetricKind], normalize: AnswerNormalization, bootstrapResamples: Int,
                cpuHourPrice: Double, isEndpoint: Bool, isRoute: Bool? = nil) {
        self.metrics = metrics; self.normalize = normalize; self.bootstrapResamples = bootstrapResamples
        self.cpuHourPrice = cpuHourPrice; self.isEndpoint = isEndpoint; self.isRoute = isRoute
    }

    enum CodingKeys: String, CodingKey {
        case metrics, normalize, bootstrapResamples = "bootstrap_resamples", cpuHourPrice = "cpu_hour_price"
        case isEndpoint = "endpoint", isRoute = "route"
    }

    public var canonicalJSON: String { (try? CanonicalJSON.string(self)) ?? "{}" }

    public static func decode(_ json: String) -> ScoringSettings? {
        try? JSONDecoder().decode(ScoringSettings.self, from: Data(json.utf8))
    }
}

extension EvaluationRequest {
    public var scoring: ScoringSettings {
        ScoringSettings(metrics: metrics, normalize: normalize, bootstrapResamples: bootstrapResamples,
                        cpuHourPrice: cpuHourPrice, isEndpoint: endpoint != nil || route != nil,
                        isRoute: route != nil ? true : nil)
    }
}

/// An evaluation's scores: the summaries `eval` prints and the `metric_result` rows it stores.
struct ScoredEvaluation {
    var summaries: [MetricSummary]
    var rows: [MetricResultRecord]
    var serving: ServingMeasures
    var errorRate: Double
}

/// The one place predictions become corpus scores, intervals and operational figures; the
/// evaluator calls it after generating and `merge` after joining shards.
enum EvaluationScoring {
    /// Sorted keys: the details of equal scores are equal text in every process (a merge compares
    /// them to leave unchanged rows alone; Foundation's key order otherwise varies between runs).
    static var detailsEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// `predictions` in dataset order; the bootstrap's seed is fixed, so equal predictions give equal rows.
    static func score(evaluationID: Int64, predictions: [PredictionRecord], failureCount: Int,
                      settings: ScoringSettings) throws -> ScoredEvaluation {
        let outputs = predictions.map(\.output)
        let references = predictions.map(\.references)
        var summaries: [MetricSummary] = []
        var rows: [MetricResultRecord] = []
        for kind in settings.metrics {
            let score = try PredictionScoring.corpusScore(kind: kind, normalize: settings.normalize, outputs: outputs,
                                                      references: references, resamples: settings.bootstrapResamples)
            let details = (try? detailsEncoder.encode(score)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            summaries.append(MetricSummary(metric: kind.rawValue, name: score.name, score: score.score,
                                           ciLow: score.ci?.low, ciHigh: score.ci?.high, signature: score.signature))
            rows.append(MetricResultRecord(evaluationID: evaluationID, metric: kind.rawValue, value: score.score,
                                           ciLow: score.ci?.low, ciHigh: score.ci?.high, signature: score.signature,
                                           detailsJSON: details))
        }
        let serving = ServingMeasures(predictions: predictions, isEndpoint: settings.isEndpoint,
                                      cpuHourPrice: settings.cpuHourPrice, isRoute: settings.isRoute == true)
        let attempted = predictions.count + failureCount
        let errorRate = attempted == 0 ? 0 : Double(failureCount) / Double(attempted)
        var operational: [(String, Double?)] = [
            (EvaluationSummary.latencyP50Metric, serving.latencyP50), (EvaluationSummary.latencyP95Metric, serving.latencyP95),
            (EvaluationSummary.cpuSecondsMetric, serving.cpuSecondsPerRequest),
            (EvaluationSummary.costMetric, serving.costPer1000Requests),
        ]
        if settings.isEndpoint {
            operational += [(EvaluationSummary.ttftP50Metric, serving.ttftP50), (EvaluationSummary.ttftP95Metric, serving.ttftP95),
                            (EvaluationSummary.errorRateMetric, errorRate)]
        }
        for case let (name, value?) in operational {
            rows.append(MetricResultRecord(evaluationID: evaluationID, metric: name, value: value,
                                           signature: "tollgate-\(TollgateVersion.string)"))
        }
        return ScoredEvaluation(summaries: summaries, rows: rows, serving: serving, errorRate: errorRate)
    }
}
