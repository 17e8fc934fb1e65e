import Foundation
import Gate

/// The executive readout: decision first with a one-sentence why, a table per eval set, latency and
/// cost, training, trend, drift, the examples that changed, provenance. Every piece of text that
/// did not come from this file goes through `MarkdownEscaping`.
public enum MarkdownReport {
    /// GitHub's step-summary limit, and the most any readout may take.
    public static let byteLimit = 1_048_576

    /// The report, at most `byteLimit` bytes: when the full listing is too large the examples are
    /// cut first, then the tail of the page, and the report says so.
    public static func render(_ input: ReportInput) -> String {
        var layout = MarkdownLayout()
        var text = MarkdownSections(input: input, layout: layout).document()
        while text.utf8.count > byteLimit && layout.maximumExamples > 0 {
            layout.maximumExamples /= 4
            layout.maximumTextCharacters = max(40, layout.maximumTextCharacters / 2)
            text = MarkdownSections(input: input, layout: layout).document()
        }
        return text.utf8.count > byteLimit ? truncated(text) : text
    }

    /// Cuts at a line boundary, closes an open fence, and says the page was cut.
    private static func truncated(_ text: String) -> String {
        let note = "\n\n> This report was cut at 1 MiB; the JSON report has everything.\n"
        var bytes = Array(text.utf8.prefix(byteLimit - 200))
        while let last = bytes.last, last != UInt8(ascii: "\n") { bytes.removeLast() }
        var cut = String(decoding: bytes, as: UTF8.self)
        let fences = cut.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("```") }.count
        if fences % 2 == 1 { cut += "```\n" }
        return cut + note
    }
}

/// How much of the example listing fits.
struct MarkdownLayout {
    var maximumExamples = 20
    var maximumTextCharacters = 300
}

struct MarkdownSections {
    let input: ReportInput
    let layout: MarkdownLayout

    func document() -> String {
        var parts = [header()]
        if let variants = input.variants {
            // A model-swap run: the variants side by side, then each candidate against the baseline.
            parts += variantSections(variants)
            if let routes = input.routes, !routes.isEmpty { parts.append(routeSection(routes)) }
        } else {
            parts.append(rules(input.decision))
            parts += input.evalSets.map { evalSet($0) }
            if let judges = input.judges, !judges.isEmpty { parts.append(JudgeSection.markdown(judges)) }
            if let serving = input.serving { parts.append(servingSection(serving)) }
        }
        if let training = input.training { parts.append(TrainingSection(training: training).markdown) }
        if !input.trend.isEmpty { parts.append(trendSection()) }
        if input.drift != nil || !input.flakyExamples.isEmpty { parts.append(driftSection()) }
        if input.variants == nil {
            parts.append(examples(title: "Examples that regressed", input.regressedExamples))
            parts.append(examples(title: "Examples that improved", input.improvedExamples))
        }
        parts.append(provenance())
        return parts.joined(separator: "\n\n") + "\n"
    }

    private func header() -> String {
        let decision = input.decision
        let badge = decision.verdict == .go ? "✅ **GO**" : "❌ **NO-GO**"
        let failed = decision.failures.count
        var facts = ["Run \(esc(input.runId, limit: 200))"]
        if let createdAt = input.createdAt { facts.append(esc(createdAt, limit: 100)) }
        if let candidates = input.variants?.candidates {
            let passed = candidates.filter { $0.decision?.verdict == .go }.count
            facts.append("\(passed) of \(candidates.count) candidates passed")
        } else {
            facts.append(failed == 0 ? "\(decision.outcomes.count) of \(decision.outcomes.count) rules passed"
                                     : "\(failed) of \(decision.outcomes.count) rules failed")
        }
        return "# \(esc(input.experiment, limit: 200))\n\n\(badge) — \(esc(decision.why))\n\n\(facts.joined(separator: " · "))"
    }

    func rules(_ decision: GateDecision, heading: String = "##") -> String {
        var rows = ["| rule | status | reason |", "| --- | --- | --- |"]
        for outcome in decision.outcomes {
            rows.append("| \(esc(outcome.name)) | \(outcome.passed ? "✅ pass" : "❌ fail") | \(esc(outcome.reason)) |")
        }
        return "\(heading) Rules\n\n" + rows.joined(separator: "\n")
    }

    func evalSet(_ set: EvalSetReport, heading: String = "##") -> String {
        var lines = ["\(heading) Eval set: \(esc(set.name))", ""]
        var facts: [String] = []
        if let dataset = set.dataset { facts.append("dataset \(esc(dataset))") }
        if let count = set.exampleCount { facts.append("\(count) examples") }
        if !facts.isEmpty { lines += [facts.joined(separator: " · "), ""] }
        lines.append("| metric | baseline | candidate | delta | 95% CI | p (worse) | adjusted p | detectable drop | rule | status |")
        lines.append("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |")
        func p(_ number: Double?) -> String { number.map { $0 < 0.001 ? "&lt; 0.001" : String(format: "%.3f", $0) } ?? "—" }
        for row in set.rows {
            let ci = row.confidenceInterval.map { "\(formatValue($0.low)) – \(formatValue($0.high))" } ?? "—"
            let detectable = row.detectable.map { formatValue($0.minimumDrop) } ?? "—"
            lines.append("| \(esc(row.metric)) | \(value(row.baseline)) | \(value(row.candidate)) | \(signed(row.delta)) | \(ci) | \(p(row.worseningPValue ?? row.pValue)) | \(p(row.adjustedPValue)) | \(detectable) | \(esc(row.rule ?? "—")) | \(status(row.status)) |")
        }
        if set.rows.contains(where: { $0.adjustedPValue != nil || $0.detectable != nil }) {
            lines += ["", "p (worse): one-sided paired bootstrap p-value that the candidate scores lower (1,000 resamples). "
                + "Adjusted p: Holm–Bonferroni over the decision's significance-gated rules; a drop counts only when it is "
                + "below the rule's significance. Detectable drop: the smallest true drop this holdout detects with 80% power at the "
                + "rule's significance (0.05 when none), from the paired bootstrap's standard error of the difference (normal approximation)."]
        }
        for warning in set.detectabilityWarnings { lines += ["", "> ⚠️ \(esc(warning))."] }
        if let labels = set.labels { lines += ["", labels.markdown(heading: heading + "#")] }
        return lines.joined(separator: "\n")
    }

    private func status(_ status: RowStatus) -> String {
        switch status {
        case .pass: return "✅ pass"
        case .fail: return "❌ fail"
        case .missing: return "❌ missing"
        case .notGated: return "not gated"
        }
    }

    private func servingSection(_ serving: ServingComparison) -> String {
        var lines = ["## Latency and cost", "", "| | baseline | candidate | budget |", "| --- | ---: | ---: | ---: |"]
        lines.append("| p50 latency (s) | \(value(serving.baseline?.p50LatencySeconds)) | \(value(serving.candidate?.p50LatencySeconds)) | — |")
        lines.append("| p95 latency (s) | \(value(serving.baseline?.p95LatencySeconds)) | \(value(serving.candidate?.p95LatencySeconds)) | \(value(serving.budgets.p95LatencySeconds)) |")
        lines.append("| cost per 1,000 requests | \(value(serving.baseline?.costPerThousandRequests)) | \(value(serving.candidate?.costPerThousandRequests)) | \(value(serving.budgets.costPerThousandRequests)) |")
        return lines.joined(separator: "\n")
    }

    private func trendSection() -> String {
        var parts = ["## Trend of the last runs"]
        for series in input.trend where !series.points.isEmpty {
            let chart = MermaidLineChart(title: "\(series.metric) on \(series.evalSet)", xLabel: "run", yLabel: series.metric,
                                         categories: series.points.map(\.runId), lines: [series.points.map(\.value)])
            parts.append(chart.markdown)
        }
        return parts.joined(separator: "\n\n")
    }

    private func driftSection() -> String {
        var parts = ["## Drift"]
        if let drift = input.drift {
            let pinned = drift.pinnedRunId.map { "pinned run \(esc($0))" } ?? "no pinned run"
            parts.append("Tonight (\(esc(drift.tonightRunId))) against the \(pinned) and the median of the last \(drift.recentGoRunIds.count) GO runs.")
            var rows = ["| eval set | metric | tonight | pinned | change | median of GO runs | change |",
                        "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
            for entry in drift.entries {
                rows.append("| \(esc(entry.evalSet)) | \(esc(entry.metric)) | \(value(entry.tonight)) | \(value(entry.pinned)) | \(signed(entry.changeFromPinned)) | \(value(entry.recentGoMedian)) (n = \(entry.recentGoCount)) | \(signed(entry.changeFromRecentGoMedian)) |")
            }
            parts.append(rows.joined(separator: "\n"))
        }
        if !input.flakyExamples.isEmpty {
            var rows = ["| example | outcomes, oldest first | flips |", "| --- | --- | ---: |"]
            for example in input.flakyExamples.prefix(layout.maximumExamples) {
                let history = example.history.map { $0 == nil ? "·" : ($0! ? "✓" : "✗") }.joined()
                rows.append("| \(esc(example.exampleId, limit: 80)) | \(history) | \(example.flips) |")
            }
            var text = "### Flaky examples (\(input.flakyExamples.count))\n\n" + rows.joined(separator: "\n")
            if input.flakyExamples.count > layout.maximumExamples {
                text += "\n\n\(input.flakyExamples.count - layout.maximumExamples) more are in the JSON report."
            }
            parts.append(text)
        }
        return parts.joined(separator: "\n\n")
    }

    func examples(title: String, _ changes: [ExampleChange], heading: String = "##") -> String {
        guard !changes.isEmpty else { return "\(heading) \(title) (0)\n\nNone." }
        let limit = layout.maximumTextCharacters
        var rows = ["| id | prompt | reference | baseline output | candidate output | score |",
                    "| --- | --- | --- | --- | --- | --- |"]
        for change in changes.prefix(layout.maximumExamples) {
            let score = "\(value(change.baselineScore)) → \(value(change.candidateScore))"
            rows.append("| \(esc(change.id, limit: 80)) | \(esc(change.prompt, limit: limit)) | \(esc(change.reference, limit: limit)) | \(esc(change.baselineOutput, limit: limit)) | \(esc(change.candidateOutput, limit: limit)) | \(score) |")
        }
        var text = "\(heading) \(title) (\(changes.count))\n\n" + rows.joined(separator: "\n")
        if changes.count > layout.maximumExamples {
            text += "\n\nShowing \(layout.maximumExamples) of \(changes.count); the JSON report lists them all."
        }
        return text
    }

    private func provenance() -> String {
        let source = input.provenance
        var rows = ["| | |", "| --- | --- |", "| model SHA-256 | \(esc(source.modelSha256)) |"]
        rows.append("| adapter SHA-256 | \(esc(source.adapterSha256 ?? "none")) |")
        for data in source.dataSha256 { rows.append("| data \(esc(data.name)) | \(esc(data.sha256)) |") }
        for signature in source.metricSignatures { rows.append("| metric signature | \(esc(signature)) |") }
        rows.append("| tollgate version | \(esc(source.toolVersion)) |")
        rows.append("| git commit | \(esc(source.gitCommit ?? "unknown")) |")
        return "## Provenance\n\n" + rows.joined(separator: "\n") + "\n\nTo reproduce:\n\n"
            + MarkdownEscaping.codeBlock(source.command, language: "sh")
    }
}

func esc(_ text: String, limit: Int? = nil) -> String { MarkdownEscaping.inline(text, limit: limit) }

func value(_ number: Double?) -> String { number.map(formatValue) ?? "—" }

/// "+1.20", "−2.31" (a true minus sign), "0.00".
func signed(_ number: Double?) -> String {
    guard let number else { return "—" }
    if number > 0 { return "+" + formatValue(number) }
    if number < 0 { return "−" + formatValue(-number) }
    return formatValue(0)
}
