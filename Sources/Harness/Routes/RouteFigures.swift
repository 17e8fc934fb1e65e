import Foundation
import Metrics
import Reports
import Store

/// A route variant's figures on one eval set, from what its evaluation stored: predictions (the
/// route's answers, latency with time lost on failing members included), `route_step` rows (who
/// tried, who answered, what failed or was injected) and request failures (no member answered).
enum RouteFigures {
    /// One report per route variant and eval set, in variant order; nil when the run has no route.
    static func reports(experiment: ExperimentFile, variants: [VariantExperiment.Served], evaluations: [[Int64]],
                        store: TollgateStore) throws -> [RouteReport]? {
        var reports: [RouteReport] = []
        for (index, variant) in variants.enumerated() {
            guard let spec = variant.route else { continue }
            for (setIndex, plan) in experiment.evalSets.enumerated() {
                reports.append(try report(variant: variant.name, spec: spec, evalSet: plan.name,
                                          metrics: plan.metrics.compactMap(MetricKind.init(rawValue:)),
                                          evaluationID: evaluations[index][setIndex], store: store))
            }
        }
        return reports.isEmpty ? nil : reports
    }

    static func report(variant: String, spec: RouteSpec, evalSet: String, metrics: [MetricKind], evaluationID: Int64,
                       store: TollgateStore) throws -> RouteReport {
        let predictions = try store.predictions(evaluationID: evaluationID).sorted { $0.exampleIndex < $1.exampleIndex }
        let steps = try store.routeSteps(evaluationID: evaluationID)
        let unanswered = try store.requestFailures(evaluationID: evaluationID).count
        let answeredAt = Dictionary(steps.filter { $0.outcome == .answered }.map { ($0.exampleIndex, $0.position) }) { first, _ in first }
        var lost: [Int: Double] = [:]
        for step in steps where step.outcome != .answered { lost[step.exampleIndex, default: 0] += step.seconds }
        let examples = predictions.count + unanswered
        let failedOver = predictions.filter { (answeredAt[$0.exampleIndex] ?? 0) > 0 }
        let failover = failedOver.map { lost[$0.exampleIndex] ?? 0 }

        let members = try spec.members.enumerated().map { position, member -> RouteMemberReport in
            let answered = predictions.filter { answeredAt[$0.exampleIndex] == position }
            let own = steps.filter { $0.position == position && $0.outcome == .failed }.count
            let sent = own + steps.filter { $0.position == position && $0.outcome == .answered && !$0.fromCache }.count
            let latencies = answered.map { $0.latencySeconds - (lost[$0.exampleIndex] ?? 0) }
            return RouteMemberReport(
                name: member.name, answered: answered.count, share: examples == 0 ? 0 : Double(answered.count) / Double(examples),
                quality: try quality(answered, metrics: metrics),
                p50LatencySeconds: latencies.isEmpty ? nil : percentile(latencies, 0.5),
                p95LatencySeconds: latencies.isEmpty ? nil : percentile(latencies, 0.95),
                costPerThousandRequests: costPerThousand(answered), failures: own,
                errorRate: sent == 0 ? nil : Double(own) / Double(sent),
                injected: steps.filter { $0.position == position && $0.outcome == .injected }.count)
        }
        let latencies = predictions.map(\.latencySeconds)
        return RouteReport(
            variant: variant, route: spec.name,
            drill: spec.drill.map { drill in "\(drill): " + (spec.injection.map { "\($0.member) \($0.description)" + ($0.down ? "" : " on \(formatShare($0.failRate)) of requests") } ?? "") },
            evalSet: evalSet, examples: examples, answered: predictions.count, unanswered: unanswered,
            failedOver: failedOver.count, quality: try quality(predictions, metrics: metrics),
            p50LatencySeconds: latencies.isEmpty ? nil : percentile(latencies, 0.5),
            p95LatencySeconds: latencies.isEmpty ? nil : percentile(latencies, 0.95),
            p50FailoverSeconds: failover.isEmpty ? nil : percentile(failover, 0.5),
            p95FailoverSeconds: failover.isEmpty ? nil : percentile(failover, 0.95),
            costPerThousandRequests: costPerThousand(predictions), members: members)
    }

    /// Corpus scores with bootstrap 95% intervals, as the evaluations score (strip normalisation).
    static func quality(_ predictions: [PredictionRecord], metrics: [MetricKind]) throws -> [RouteQuality] {
        try metrics.map { kind in
            guard !predictions.isEmpty else { return RouteQuality(metric: kind.rawValue, value: nil, confidenceInterval: nil) }
            let score = try PredictionScoring.corpusScore(kind: kind, normalize: .strip, outputs: predictions.map(\.output),
                                                          references: predictions.map(\.references), resamples: 1000)
            return RouteQuality(metric: kind.rawValue, value: score.score,
                                confidenceInterval: score.ci.map { Interval(low: $0.low, high: $0.high) })
        }
    }

    /// Dollars per 1,000 answers; nil when some answer's price is unknown (an endpoint without usage or prices).
    static func costPerThousand(_ predictions: [PredictionRecord]) -> Double? {
        let costs = predictions.compactMap(\.costUSD)
        guard !predictions.isEmpty, costs.count == predictions.count else { return nil }
        return costs.reduce(0, +) / Double(costs.count) * 1000
    }

    private static func formatShare(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }
}
