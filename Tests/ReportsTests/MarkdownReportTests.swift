import Foundation
import Gate
import Reports
import Testing

@Test func goReportMatchesItsSnapshot() throws {
    let markdown = MarkdownReport.render(SampleReports.go)
    #expect(SampleReports.go.decision.verdict == .go)
    #expect(markdown == (try Snapshot.expected("go.md", actual: markdown)))
}

@Test func noGoReportMatchesItsSnapshot() throws {
    let markdown = MarkdownReport.render(SampleReports.noGo)
    #expect(SampleReports.noGo.decision.verdict == .noGo)
    #expect(markdown == (try Snapshot.expected("no-go.md", actual: markdown)))
}

@Test func reportOpensWithTheDecisionAndItsWhy() throws {
    let lines = MarkdownReport.render(SampleReports.noGo).split(separator: "\n")
    #expect(lines[0] == "# nightly")
    #expect(lines[1].hasPrefix("❌ **NO-GO** — bleu on holdout fell 2.31 points"))
}

@Test func longExampleTextIsTruncatedAndTheReportStaysUnderOneMebibyte() {
    let huge = String(repeating: "word ", count: 50_000)
    let examples = (0..<5_000).map {
        ExampleChange(id: "ex-\($0)", prompt: huge, reference: huge, baselineOutput: huge, candidateOutput: "",
                      baselineScore: 1, candidateScore: 0)
    }
    var input = SampleReports.noGo
    input.regressedExamples = examples
    let markdown = MarkdownReport.render(input)
    #expect(markdown.utf8.count <= MarkdownReport.byteLimit)
    #expect(markdown.contains("(truncated from 250000 characters)"))
    #expect(markdown.contains("Showing 20 of 5000"))
}

@Test func reportBeyondOneMebibyteEvenWithoutExamplesIsCutAtALine() {
    var input = SampleReports.noGo
    let outcome = RuleOutcome(evalSet: "holdout", metric: "bleu", check: .floor, passed: false,
                              reason: String(repeating: "x", count: 1_000))
    input.decision = GateDecision(outcomes: Array(repeating: outcome, count: 2_000))
    let markdown = MarkdownReport.render(input)
    #expect(markdown.utf8.count <= MarkdownReport.byteLimit)
    #expect(markdown.hasSuffix("> This report was cut at 1 MiB; the JSON report has everything.\n"))
}

@Test func effectiveRanksFollowTheirDefinitions() {
    let equal = AdapterSpectrum(name: "m", singularValues: [3, 3, 3, 3])
    #expect(equal.numericalRank() == 4)
    #expect(abs(equal.entropyEffectiveRank - 4) < 1e-12)
    let dominated = AdapterSpectrum(name: "m", singularValues: [1, 0.01, 0.001, 0])
    #expect(dominated.numericalRank() == 1)   // 0.01 is not above 1 % of 1
    let p = [1 / 1.011, 0.01 / 1.011, 0.001 / 1.011]
    let expected = Foundation.exp(-p.map { $0 * Foundation.log($0) }.reduce(0, +))
    #expect(abs(dominated.entropyEffectiveRank - expected) < 1e-12)
    #expect(AdapterSpectrum(name: "zero", singularValues: [0, 0]).numericalRank() == 0)
    #expect(AdapterSpectrum(name: "zero", singularValues: [0, 0]).entropyEffectiveRank == 0)
}

@Test func githubSummaryAppendsOnlyWhenTheVariableIsSet() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("summary-\(UUID().uuidString).md").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try GitHubStepSummary.append("# one", environment: [:]) == nil)
    #expect(try GitHubStepSummary.append("# one", environment: ["GITHUB_STEP_SUMMARY": path]) == path)
    try GitHubStepSummary.append("# two\n", environment: ["GITHUB_STEP_SUMMARY": path])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "# one\n\n# two\n\n")
}

@Test func reportFileReplacesTheTargetWholeAndFailsClearlyInAMissingFolder() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).md").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ReportFile.write("old", to: path)
    try ReportFile.write("new report", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new report")
    #expect(throws: ReportFileError.self) { try ReportFile.write("x", to: "/nonexistent-folder-\(UUID().uuidString)/r.md") }
}
