import Gate

/// The markdown of a model-swap run: one row per variant (quality with intervals, latency, cost,
/// size, verdict), the files behind them, then each candidate against the baseline with its rules,
/// metric tables and the examples whose score changed.
extension MarkdownSections {
    func variantSections(_ comparison: VariantComparison) -> [String] {
        [variantTable(comparison)] + comparison.candidates.map { candidateSection($0, comparison: comparison) }
    }

    private func variantTable(_ comparison: VariantComparison) -> String {
        var keys: [(evalSet: String, metric: String)] = []
        for variant in comparison.variants {
            for score in variant.scores where !keys.contains(where: { $0 == (score.evalSet, score.metric) }) {
                keys.append((score.evalSet, score.metric))
            }
        }
        let oneSet = Set(keys.map(\.evalSet)).count <= 1
        let metricHeaders = keys.map { esc(oneSet ? $0.metric : "\($0.evalSet) \($0.metric)") + " (95% CI)" }
        let baseline = comparison.variants.first
        // Endpoints add time to first token and error rate beside latency.
        let served = comparison.variants.contains { $0.serving.errorRate != nil || $0.serving.p50TimeToFirstTokenSeconds != nil }
        let servedHeaders = served ? " | p50 / p95 first token (s) | error rate" : ""
        var rows = ["| variant | source | " + metricHeaders.joined(separator: " | ")
                        + " | p50 latency (s) | p95 latency (s)\(servedHeaders) | cost per 1,000 requests | size | verdict |",
                    "| --- | --- |" + String(repeating: " ---: |", count: keys.count + 4 + (served ? 2 : 0)) + " --- |"]
        for variant in comparison.variants {
            let cells = keys.map { key -> String in
                guard let score = variant.scores.first(where: { $0.evalSet == key.evalSet && $0.metric == key.metric })?.score,
                      let number = score.value else { return "—" }
                var cell = formatValue(number)
                if let ci = score.confidenceInterval { cell += " (\(formatValue(ci.low)) – \(formatValue(ci.high)))" }
                let reference = baseline?.scores.first { $0.evalSet == key.evalSet && $0.metric == key.metric }?.score.value
                if variant.decision != nil, let reference {
                    cell += "; \(signed(number - reference))"
                    if let p = score.pValue { cell += ", " + esc(formatP(p)) }
                }
                return cell
            }
            let serving = variant.serving
            let servedCells = !served ? "" : " | " + (serving.p50TimeToFirstTokenSeconds.map { formatValue($0) + " / " + value(serving.p95TimeToFirstTokenSeconds) } ?? "—")
                + " | " + (serving.errorRate.map { formatValue($0 * 100) + "%" } ?? "—")
            rows.append("| \(esc(variant.name, limit: 80)) | \(esc(variant.source, limit: 120)) | " + cells.joined(separator: " | ")
                        + " | \(value(serving.p50LatencySeconds)) | \(value(serving.p95LatencySeconds))\(servedCells)"
                        + " | \(value(serving.costPerThousandRequests)) | \(variant.bytes > 0 ? formatBytes(variant.bytes) : "endpoint") | \(verdict(variant, comparison)) |")
        }
        // Training time appears when some adapter's folder carries its training log.
        let trained = comparison.variants.contains { $0.training != nil }
        var files = ["| variant | model | model SHA-256 | adapter | adapter SHA-256 |" + (trained ? " adapter training |" : ""),
                     "| --- | --- | --- | --- | --- |" + (trained ? " ---: |" : "")]
        for variant in comparison.variants {
            let training = variant.training.map {
                " \($0.steps) steps in \(formatDuration($0.seconds)), \(String(format: "%.0f", $0.tokensPerSecond)) tok/s |"
            } ?? " — |"
            files.append("| \(esc(variant.name, limit: 80)) | \(esc(variant.modelPath, limit: 200)) | \(esc(variant.modelSha256))"
                         + " | \(esc(variant.adapterPath ?? "none", limit: 200)) | \(esc(variant.adapterSha256 ?? "—")) |"
                         + (trained ? training : ""))
        }
        let intro = "The baseline is \(esc(comparison.variants.first?.name ?? "—", limit: 80)); every other variant is a candidate "
            + "gated against it with the rules below, by paired tests on the same examples. Scores with their 95% CI; for a "
            + "candidate, the change from the baseline and its p-value. \(esc(comparison.rule))"
        return "## Variants\n\n\(intro)\n\n" + rows.joined(separator: "\n") + "\n\n### Files\n\n" + files.joined(separator: "\n")
    }

    /// "2 min 13 s", or "45 s" under a minute.
    private func formatDuration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
    }

    private func verdict(_ variant: VariantReport, _ comparison: VariantComparison) -> String {
        guard let decision = variant.decision else { return "baseline" }
        guard decision.verdict == .go else { return "❌ NO-GO" }
        return variant.name == comparison.recommended ? "✅ GO, recommended" : "✅ GO"
    }

    private func candidateSection(_ variant: VariantReport, comparison: VariantComparison) -> String {
        guard let decision = variant.decision else { return "" }
        let badge = decision.verdict == .go ? "✅ GO" : "❌ NO-GO"
        var parts = ["## \(esc(variant.name, limit: 80)) against \(esc(comparison.baseline, limit: 80)): \(badge)\n\n\(esc(decision.why))",
                     rules(decision, heading: "###")]
        parts += variant.evalSets.map { evalSet($0, heading: "###") }
        parts.append(examples(title: "Examples that regressed", variant.regressedExamples, heading: "###"))
        parts.append(examples(title: "Examples that improved", variant.improvedExamples, heading: "###"))
        return parts.joined(separator: "\n\n")
    }
}
