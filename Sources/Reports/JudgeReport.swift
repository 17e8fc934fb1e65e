import Foundation
import Gate
import Metrics

/// One judge's figures on one eval set, for the report's judge table: its metric on both sides
/// with intervals, how many verdicts could not be read, the pairwise position consistency, the
/// agreement with people's verdicts, whether its rule may decide, and what the judge cost.
public struct JudgeReport: Codable, Sendable, Equatable {
    public var name: String
    /// rubric, reference or pairwise.
    public var kind: String
    /// The judge model (a GGUF path or the endpoint's name).
    public var model: String
    public var evalSet: String
    /// `judge:NAME`.
    public var metric: String
    /// "pass/fail", "1–5", "consistent/inconsistent" or "A/B/tie, both orders".
    public var scale: String
    /// The metric (a percentage) and its 95% paired-bootstrap intervals; pairwise: win rates.
    public var baseline: Double?
    public var candidate: Double?
    public var baselineInterval: Interval?
    public var candidateInterval: Interval?
    /// A 1–N rubric's mean score on its own scale.
    public var baselineMeanScore: Double?
    public var candidateMeanScore: Double?
    /// Examples both sides have a verdict for (pairwise: both orders read), which the metric covers.
    public var pairedExamples: Int
    public var calls: Int
    /// Calls on the judged answers (the rest judge calibration answers).
    public var judgedCalls: Int
    public var cachedCalls: Int
    /// Verdicts on judged answers that could not be read, and why (reason → count).
    public var unscored: Int
    public var unscoredReasons: [String: Int]
    /// Pairwise: share of pairs whose verdict survived swapping the order, and the ties it left.
    public var positionConsistency: Double?
    public var ties: Int?
    /// Against people's verdicts on the calibration answers.
    public var agreement: RaterAgreement?
    public var calibrationUnscored: Int
    public var minKappa: Double?
    /// True when a rule names the metric but κ is below `minKappa` (or unknown): the rule is shown, not applied.
    public var advisory: Bool
    public var costUSD: Double?
    public var promptTokens: Int
    public var completionTokens: Int

    public init(name: String, kind: String, model: String, evalSet: String, metric: String, scale: String) {
        self.name = name; self.kind = kind; self.model = model; self.evalSet = evalSet; self.metric = metric; self.scale = scale
        pairedExamples = 0; calls = 0; judgedCalls = 0; cachedCalls = 0; unscored = 0; unscoredReasons = [:]; calibrationUnscored = 0
        advisory = false; promptTokens = 0; completionTokens = 0
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, model, metric, scale, baseline, candidate, calls, unscored, ties, agreement, advisory
        case evalSet = "eval_set", baselineInterval = "baseline_ci", candidateInterval = "candidate_ci"
        case baselineMeanScore = "baseline_mean_score", candidateMeanScore = "candidate_mean_score"
        case pairedExamples = "paired_examples", judgedCalls = "judged_calls", cachedCalls = "cached_calls", unscoredReasons = "unscored_reasons"
        case positionConsistency = "position_consistency", calibrationUnscored = "calibration_unscored"
        case minKappa = "min_kappa", costUSD = "cost_usd", promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }
}

/// The markdown of the judges: one table row per judge and eval set, then what a reader must know
/// (advisory rules, why verdicts were unscored).
enum JudgeSection {
    static func markdown(_ judges: [JudgeReport], heading: String = "##") -> String {
        func percent(_ value: Double?, _ interval: Interval?) -> String {
            guard let value else { return "—" }
            return String(format: "%.1f", value) + (interval.map { String(format: " [%.1f, %.1f]", $0.low, $0.high) } ?? "")
        }
        var lines = ["\(heading) Judges", "",
                     "Each judge's verdicts are read from a final `VERDICT:` line, or a constrained judge's whole answer `{\"verdict\": …}`; "
                         + "anything else is unscored (counted, never a pass or a fail). "
                         + "Pairwise judges see both orders; a verdict that flips with the order is a tie.", "",
                     "| judge | eval set | scale | baseline | candidate | unscored | position consistency | κ vs people [95% CI] | raw agreement (base rate) | judge cost (all calls, at list price) |",
                     "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for judge in judges {
            let kappa = judge.agreement.map { agreement in
                (agreement.kappa.map { String(format: "%.2f", $0) } ?? "undefined")
                    + (agreement.kappaLow.map { String(format: " [%.2f, %.2f]", $0, agreement.kappaHigh ?? $0) } ?? "")
                    + " (n = \(agreement.items))"
            } ?? "no human verdicts"
            let raw = judge.agreement.map { String(format: "%.0f%% (%.0f%% %@)", 100 * $0.rawAgreement, 100 * $0.baseRate, $0.majorityLabel) } ?? "—"
            let cost = (judge.costUSD.map { String(format: "$%.4f", $0) } ?? "unknown")
                + " · \(judge.calls) calls, \(judge.cachedCalls) cached, \(judge.promptTokens + judge.completionTokens) tokens"
            let consistency = judge.positionConsistency.map { String(format: "%.0f%%", 100 * $0) + " (\(judge.ties ?? 0) ties)" } ?? "—"
            var baseline = percent(judge.baseline, judge.baselineInterval), candidate = percent(judge.candidate, judge.candidateInterval)
            if let mean = judge.baselineMeanScore { baseline += String(format: " (mean %.2f)", mean) }
            if let mean = judge.candidateMeanScore { candidate += String(format: " (mean %.2f)", mean) }
            lines.append("| \(esc(judge.metric)) (\(esc(judge.kind)), \(esc(judge.model))) | \(esc(judge.evalSet)) | \(esc(judge.scale)) | "
                + "\(baseline) | \(candidate) | \(judge.unscored) of \(judge.judgedCalls) | "
                + "\(consistency) | \(kappa) | \(raw) | \(cost) |")
        }
        var notes: [String] = []
        for judge in judges {
            if judge.advisory {
                let kappa = judge.agreement?.kappa.map { String(format: "%.2f", $0) } ?? "unknown"
                notes.append("- **\(esc(judge.metric)) is advisory on \(esc(judge.evalSet))**: κ against people is \(kappa), below its "
                    + "min_kappa \(formatValue(judge.minKappa ?? 0)), so its rule was not applied to the decision.")
            }
            if !judge.unscoredReasons.isEmpty {
                let reasons = judge.unscoredReasons.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                    .map { "\($0.value) × \(esc($0.key))" }.joined(separator: "; ")
                notes.append("- \(esc(judge.metric)) on \(esc(judge.evalSet)): unscored verdicts — \(reasons) (raw outputs in the store's judge_verdict table).")
            }
            if judge.calibrationUnscored > 0 {
                notes.append("- \(esc(judge.metric)): \(judge.calibrationUnscored) of the calibration answers got no readable verdict and are left out of κ.")
            }
        }
        return (lines + (notes.isEmpty ? [] : [""] + notes)).joined(separator: "\n")
    }
}
