import Foundation
import Gate
import Reports
import Testing

/// The value lists of every `line [...]` in the report's mermaid blocks.
private func chartLines(_ markdown: String) -> [[String]] {
    markdown.split(separator: "\n").filter { $0.hasPrefix("    line [") }.map { line in
        line.dropFirst("    line [".count).dropLast().components(separatedBy: ", ")
    }
}

@Test func longLossCurveIsThinnedToSixtyPointsKeepingFirstAndLast() throws {
    var input = SampleReports.go
    input.training?.lossCurve = (0..<1000).map { LossPoint(step: $0, loss: 3 - Double($0) / 1000) }
    input.training?.checkpoints = []
    input.trend = []
    let lines = chartLines(MarkdownReport.render(input))
    let loss = try #require(lines.first)
    #expect(loss.count == 60)
    #expect(loss.first == "3" && loss.last == "2.001")
    let steps = try #require(MarkdownReport.render(input).split(separator: "\n").first { $0.hasPrefix("    x-axis \"step\"") })
    #expect(steps.hasPrefix("    x-axis \"step\" [\"0\", ") && steps.hasSuffix("\"999\"]"))
}

@Test func hostileNamesCannotBreakAMermaidBlock() throws {
    var input = SampleReports.go
    input.trend = [TrendSeries(evalSet: "x\"]\n```\n<script>", metric: "m\" --> 9", points: [
        TrendPoint(runId: "r\"1]", value: 1), TrendPoint(runId: "```", value: 2)])]
    let markdown = MarkdownReport.render(input)
    let section = try #require(markdown.components(separatedBy: "## Trend of the last runs").last?
        .components(separatedBy: "## Examples").first)
    // Quotes, brackets, backticks, newlines and angle brackets become spaces.
    #expect(section.contains("    title \"m  --  9 on x        script \"\n"))
    #expect(section.contains("    x-axis \"run\" [\"r 1 \", \"   \"]\n"))
    #expect(section.components(separatedBy: "```").count == 3)   // one opening and one closing fence
    #expect(!section.contains("<"))
}

@Test func manyAdapterMatricesFoldIntoDetailsThatNamesCannotClose() {
    var input = SampleReports.go
    input.training?.adapterMatrices = (0..<30).map {
        AdapterSpectrum(name: "layers.\($0).q_proj</details>", singularValues: [1, 0.5])
    }
    let markdown = MarkdownReport.render(input)
    #expect(markdown.components(separatedBy: "<details>").count == 2)
    #expect(markdown.components(separatedBy: "</details>").count == 2)
    #expect(markdown.contains("<details><summary>30 adapter matrices</summary>"))
}

@Test func rowStatusFollowsTheGateOutcomesOfItsMetric() {
    let policy = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 1), MetricRule(metric: "chrf", floor: 50),
                                    MetricRule(metric: "em", maxDrop: 0.1)])
    let comparisons = [MetricComparison(evalSet: "h", metric: "bleu", baseline: 40, candidate: 38),
                       MetricComparison(evalSet: "h", metric: "chrf", baseline: 40, candidate: 55),
                       MetricComparison(evalSet: "h", metric: "em", baseline: nil, candidate: 0.5),
                       MetricComparison(evalSet: "h", metric: "chrf++", baseline: 40, candidate: 41),
                       MetricComparison(evalSet: "other", metric: "bleu", baseline: 1, candidate: 1)]
    let decision = policy.decide(comparisons: comparisons)
    let report = EvalSetReport(name: "h", comparisons: comparisons, policy: policy, decision: decision)
    #expect(report.rows.map(\.metric) == ["bleu", "chrf", "em", "chrf++"])
    #expect(report.rows.map(\.status) == [.fail, .pass, .missing, .notGated])
    #expect(report.rows[0].delta == -2)
    #expect(report.rows[2].delta == nil)
    #expect(report.rows[0].rule == "drop ≤ 1.00")
}
