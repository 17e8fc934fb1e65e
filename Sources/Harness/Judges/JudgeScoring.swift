import Foundation
import Gate
import Metrics
import Reports
import Store

/// A judge's stored verdicts on one eval set turned into its metric — a per-example value on both
/// sides, compared with the same paired bootstrap, one-sided worsening test and detectable effect
/// as every other metric — and into the report's judge row.
struct JudgeScoring {
    var comparison: MetricComparison
    var candidateInterval: Interval?
    var baselineInterval: Interval?
    var detectable: DetectableEffect?
    var report: JudgeReport

    /// - Parameters: `verdicts` in call order; `human` maps a calibration call's index to people's label.
    init(plan: JudgePlan, evalSet: String, results: JudgeCallResults, baselineID: Int64, candidateID: Int64,
         human: [Int: String], model: String, significance: Double) {
        var report = JudgeReport(name: plan.name, kind: plan.kind.rawValue, model: model, evalSet: evalSet, metric: plan.metric,
                                 scale: JudgeScoring.scaleName(plan))
        report.calls = results.calls
        report.cachedCalls = results.cachedCalls
        report.costUSD = results.costUSD
        report.promptTokens = results.promptTokens
        report.completionTokens = results.completionTokens
        report.minKappa = plan.minKappa
        let judged = results.verdicts.filter { $0.position != "calibration" }
        report.judgedCalls = judged.count
        for verdict in judged where verdict.state == "unscored" {
            report.unscored += 1
            report.unscoredReasons[verdict.unscoredReason ?? "unknown", default: 0] += 1
        }

        // Per example: the candidate's value and the baseline's, as shares of the best verdict.
        var baseline: [Int: Double] = [:], candidate: [Int: Double] = [:]
        if plan.kind == .pairwise {
            var ab: [Int: Double] = [:], ba: [Int: Double] = [:]
            for verdict in judged where verdict.state == "scored" {
                // The candidate's share of the win: B when the baseline was shown first, A when it was second.
                guard let first = verdict.value else { continue }
                if verdict.position == "ab" { ab[verdict.exampleIndex] = 1 - first } else { ba[verdict.exampleIndex] = first }
            }
            var consistent = 0, ties = 0
            for (index, forward) in ab {
                guard let backward = ba[index] else { continue }
                let agree = forward == backward
                if agree { consistent += 1 }
                let value = agree ? forward : 0.5
                if value == 0.5 { ties += 1 }
                candidate[index] = value
                baseline[index] = 1 - value
            }
            report.positionConsistency = candidate.isEmpty ? nil : Double(consistent) / Double(candidate.count)
            report.ties = ties
        } else {
            for verdict in judged where verdict.state == "scored" {
                guard let value = verdict.value else { continue }
                if verdict.judgedEvaluationID == baselineID { baseline[verdict.exampleIndex] = value }
                if verdict.judgedEvaluationID == candidateID { candidate[verdict.exampleIndex] = value }
            }
            if plan.scalePoints != nil {
                report.baselineMeanScore = baseline.isEmpty ? nil : baseline.values.reduce(0, +) / Double(baseline.count)
                report.candidateMeanScore = candidate.isEmpty ? nil : candidate.values.reduce(0, +) / Double(candidate.count)
            }
        }
        let paired = baseline.keys.filter { candidate[$0] != nil }.sorted()
        report.pairedExamples = paired.count

        // Each example's share is the statistic row of a percentage: (share, 1).
        let percentage = ExactMatch(ExactMatchOptions(normalize: .exact))
        let baseTable = SegmentStatistics(width: 2, values: paired.flatMap { [plan.share(of: baseline[$0]!), 1] })
        let candidateTable = SegmentStatistics(width: 2, values: paired.flatMap { [plan.share(of: candidate[$0]!), 1] })
        var bootstrap = paired.isEmpty ? nil : pairedBootstrap(metric: percentage, baseline: baseTable, system: candidateTable)
        if baseTable == candidateTable { bootstrap?.pValue = 1 }
        let difference = pairedDifference(metric: percentage, baseline: baseTable, system: candidateTable)
        comparison = MetricComparison(evalSet: evalSet, metric: plan.metric,
                                      baseline: paired.isEmpty ? nil : percentage.score(totals: baseTable.totals()),
                                      candidate: paired.isEmpty ? nil : percentage.score(totals: candidateTable.totals()),
                                      pValue: bootstrap?.pValue, worseningPValue: paired.isEmpty ? nil : difference.worseningPValue)
        candidateInterval = bootstrap?.systemCI.map { Interval(low: $0.low, high: $0.high) }
        baselineInterval = bootstrap?.baselineCI.map { Interval(low: $0.low, high: $0.high) }
        detectable = detectableEffect(difference, examples: paired.count, significance: significance)
        report.baseline = comparison.baseline
        report.candidate = comparison.candidate
        report.baselineInterval = baselineInterval
        report.candidateInterval = candidateInterval

        // Agreement with people on the calibration answers the judge could read.
        let calibration = results.verdicts.filter { $0.position == "calibration" }
        report.calibrationUnscored = calibration.filter { $0.state == "unscored" }.count
        let read = calibration.filter { $0.state == "scored" && human[$0.callIndex] != nil }
        if !read.isEmpty {
            report.agreement = RaterAgreement(judge: read.map { $0.label ?? "" }, human: read.map { human[$0.callIndex]! },
                                              labels: plan.labels, weighting: plan.scalePoints == nil ? .none : .linear)
        }
        self.report = report
    }

    static func scaleName(_ plan: JudgePlan) -> String {
        switch plan.kind {
        case .rubric: return plan.scalePoints.map { "1–\($0)" } ?? "pass/fail"
        case .reference: return "consistent/inconsistent"
        case .pairwise: return "A/B/tie, both orders"
        }
    }
}
