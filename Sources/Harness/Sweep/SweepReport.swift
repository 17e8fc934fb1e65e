import Foundation
import Gate
import Reports

/// The sweep report: the decision, which trial was chosen and why, a row per trial (settings,
/// validation and holdout metric with 95% interval, training time and tokens/s) and the loss
/// curves in one chart. The gate's full report for the chosen trial is linked, not repeated.
struct SweepReport {
    var experiment: String
    var runID: Int64
    var results: [SweepTrialResult]
    var chosen: Int
    var greaterIsBetter: Bool
    var decision: GateDecision
    var gateReport: String?

    var markdown: String {
        let winner = results[chosen]
        let metric = winner.validation.metric
        var lines = ["# Sweep \(experiment) — \(decision.verdict.rawValue)", ""]
        lines.append("**Decision: \(decision.verdict.rawValue)** — \(decision.why)")
        lines.append("")
        lines.append("**Chosen: trial \(winner.trial)** (\(label(winner))), the best \(metric) on validation "
                     + "(\(format(winner.validation.value)), \(greaterIsBetter ? "higher" : "lower") is better) among "
                     + "\(results.count) trials. Trials are ranked on the validation split (`\(winner.validation.evalSet)`) only; "
                     + "the holdout columns were scored for every trial for this table and were not used to choose. "
                     + "The gate compares the chosen trial with the baseline on the holdout"
                     + (gateReport.map { " ([gate report](\(($0 as NSString).lastPathComponent)))" } ?? "") + ".")
        lines.append("")
        let holdoutColumns = winner.holdout.filter { $0.metric == metric }.map(\.evalSet)
        let header = ["trial", "settings", "\(metric) validation"] + holdoutColumns.map { "\(metric) \($0) (95% CI)" }
            + ["training s", "tokens/s"]
        lines.append("| " + header.joined(separator: " | ") + " |")
        lines.append("|" + String(repeating: " --- |", count: header.count))
        for (index, result) in results.enumerated() {
            let mark = index == chosen ? " ✔ chosen" : ""
            var row = ["\(result.trial)\(mark)", label(result), format(result.validation.value)]
            for set in holdoutColumns {
                let score = result.holdout.first { $0.evalSet == set && $0.metric == metric }
                row.append(score.map(interval) ?? "–")
            }
            row.append(String(format: "%.1f", result.trainingSeconds) + (result.reused ? " (reused)" : ""))
            row.append(result.tokensPerSecond.map { String(format: "%.0f", $0) } ?? "–")
            lines.append("| " + row.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("Training loss per trial (lines in trial order: "
                     + results.map { "\($0.trial) = \(label($0))" }.joined(separator: "; ") + "):")
        lines.append("")
        lines.append(LossCurvesChart.markdown(title: "training loss per trial", curves: results.map(\.lossCurve)))
        lines.append("")
        return lines.joined(separator: "\n")
    }

    private func label(_ result: SweepTrialResult) -> String {
        result.values.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    private func format(_ value: Double) -> String { value.isFinite ? String(format: "%.2f", value) : "–" }

    private func interval(_ score: SweepTrialResult.Score) -> String {
        guard let low = score.ciLow, let high = score.ciHigh else { return format(score.value) }
        return "\(format(score.value)) [\(format(low)), \(format(high))]"
    }
}
