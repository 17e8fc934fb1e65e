import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Gate
import Reports
import Testing

/// A model-swap run: the adapter at runtime as the baseline, q8_0 passing and q4_0 failing.
private enum SampleSwap {
    static let policy = GatePolicy(rules: [MetricRule(metric: "em", maxDrop: 2, significanceAlpha: 0.05)])

    static func candidate(_ name: String, em: Double, pValue: Double, cost: Double, bytes: Int64) -> VariantReport {
        let comparisons = [MetricComparison(evalSet: "routing", metric: "em", baseline: 66.67, candidate: em, pValue: pValue)]
        let decision = policy.decide(comparisons: comparisons)
        return VariantReport(
            name: name, source: "model + adapter fused, \(name)", modelPath: "runs/swap/fused-\(name).gguf", modelSha256: "ab12",
            bytes: bytes,
            scores: [VariantScore(evalSet: "routing", metric: "em",
                                  score: SystemScore(value: em, confidenceInterval: Interval(low: em - 6, high: em + 6), pValue: pValue))],
            serving: ServingFigures(p50LatencySeconds: 3.1, p95LatencySeconds: 4.2, costPerThousandRequests: cost),
            decision: decision,
            evalSets: [EvalSetReport(name: "routing", comparisons: comparisons, policy: policy, decision: decision)],
            regressedExamples: [ExampleChange(id: "r-1", prompt: "Where is my parcel?", reference: "shipping_delay",
                                              baselineOutput: "shipping_delay", candidateOutput: "refund", baselineScore: 1, candidateScore: 0)])
    }

    static var input: ReportInput {
        let baseline = VariantReport(
            name: "adapter", source: "model + adapter at runtime", modelPath: "models/m.gguf", modelSha256: "cd34",
            adapterPath: "runs/a/adapter", adapterSha256: "ef56", bytes: 95_300_000,
            scores: [VariantScore(evalSet: "routing", metric: "em",
                                  score: SystemScore(value: 66.67, confidenceInterval: Interval(low: 60, high: 72.86)))],
            serving: ServingFigures(p50LatencySeconds: 3.74, p95LatencySeconds: 4.82, costPerThousandRequests: 0.00357))
        let variants = [baseline, candidate("q8_0", em: 66.19, pValue: 0.5, cost: 0.0031, bytes: 145_000_000),
                        candidate("q4_0", em: 55.24, pValue: 0.001, cost: 0.0025, bytes: 80_000_000)]
        let selection = VariantSelection.decide(baseline: "adapter", candidates: variants.dropFirst().map {
            VariantCandidate(name: $0.name, decision: $0.decision!, costPerThousandRequests: $0.serving.costPerThousandRequests, bytes: $0.bytes)
        })
        return ReportInput(experiment: "swap", runId: "7", createdAt: "2026-11-24T02:00:00Z", decision: selection.decision,
                           evalSets: [], provenance: SampleReports.provenance,
                           variants: VariantComparison(baseline: "adapter", recommended: selection.recommended,
                                                       rule: VariantSelection.rule, variants: variants))
    }
}

@Test func swapReportOpensWithTheRecommendationAndHasARowPerVariant() {
    let markdown = MarkdownReport.render(SampleSwap.input)
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "# swap")
    #expect(lines[2] == "✅ **GO** — q8_0 is the only one of the 2 candidates that passes every rule against adapter "
            + "(0.00310 per 1,000 requests, 145 MB).")
    #expect(lines[4] == "Run 7 · 2026-11-24T02:00:00Z · 1 of 2 candidates passed")
    #expect(lines.contains("| variant | source | em (95% CI) | p50 latency (s) | p95 latency (s) | cost per 1,000 requests | size | verdict |"))
    #expect(lines.contains("| adapter | model + adapter at runtime | 66.67 (60.00 – 72.86) | 3.74 | 4.82 | 0.00357 | 95.3 MB | baseline |"))
    #expect(lines.contains("| q8_0 | model + adapter fused, q8_0 | 66.19 (60.19 – 72.19); −0.480, p = 0.500 | 3.10 | 4.20 | 0.00310 | 145 MB | ✅ GO, recommended |"))
    #expect(lines.contains("| q4_0 | model + adapter fused, q4_0 | 55.24 (49.24 – 61.24); −11.43, p = 0.001 | 3.10 | 4.20 | 0.00250 | 80.0 MB | ❌ NO-GO |"))
    // Each candidate's own decision, rules, table and changed examples; no single-candidate sections.
    #expect(lines.contains("## q4_0 against adapter: ❌ NO-GO"))
    #expect(lines.contains("### Eval set: routing"))
    #expect(lines.contains("### Examples that regressed (1)"))
    #expect(!lines.contains("## Rules") && !lines.contains("## Latency and cost") && !lines.contains("## Examples that regressed (0)"))
}

@Test func swapJUnitHasTheSelectionAndEachCandidatesSuites() throws {
    let document = try XMLDocument(data: Data(JUnitReport.render(SampleSwap.input).utf8))
    let root = try #require(document.rootElement())
    let suites = root.elements(forName: "testsuite")
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == ["swap.selection", "swap.q8_0/routing", "swap.q4_0/routing"])
    #expect(suites.map { $0.attribute(forName: "failures")?.stringValue } == ["0", "0", "1"])
    let verdicts = suites.map { suite in
        suite.elements(forName: "properties").first?.elements(forName: "property")
            .first { $0.attribute(forName: "name")?.stringValue == "verdict" }?.attribute(forName: "value")?.stringValue
    }
    #expect(verdicts == ["GO", "GO", "NO-GO"])
    #expect(root.attribute(forName: "tests")?.stringValue == "3")
}

@Test func swapJSONReadsBackAndSingleCandidateJSONHasNoVariants() throws {
    let json = try JSONReport.render(SampleSwap.input)
    #expect(try JSONReport.decode(Data(json.utf8)) == SampleSwap.input)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let variants = try #require((object["report"] as? [String: Any])?["variants"] as? [String: Any])
    #expect(variants["recommended"] as? String == "q8_0")
    let single = try #require(try JSONSerialization.jsonObject(with: Data(try JSONReport.render(SampleReports.go).utf8)) as? [String: Any])
    #expect((single["report"] as? [String: Any])?["variants"] == nil)
}
