import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Gate
import Reports
import Testing

@Test func junitHasTheSuitesCasesAndFailuresCIReads() throws {
    let xml = JUnitReport.render(SampleReports.noGo)
    let document = try XMLDocument(data: Data(xml.utf8))
    let root = try #require(document.rootElement())
    #expect(root.name == "testsuites")
    #expect(root.attribute(forName: "tests")?.stringValue == "6")
    #expect(root.attribute(forName: "failures")?.stringValue == "3")
    let suites = root.elements(forName: "testsuite")
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == ["nightly.holdout", "nightly.budgets"])
    let cases = suites.flatMap { $0.elements(forName: "testcase") }
    #expect(cases.map { $0.attribute(forName: "name")?.stringValue ?? "" } ==
            ["bleu floor", "bleu max_drop", "chrf max_relative_drop", "em floor", "p95_latency", "cost_per_1000_requests"])
    let failures = cases.compactMap { $0.elements(forName: "failure").first }
    #expect(failures.count == 3)
    // The message attribute carries the reason exactly, after the XML parser undoes the escaping.
    #expect(failures.first?.attribute(forName: "message")?.stringValue
            == "bleu on holdout fell 2.31 points (41.20 → 38.89), more than the 1.00 allowed; p = 0.003 < 0.05.")
    #expect(failures.first?.stringValue == failures.first?.attribute(forName: "message")?.stringValue)
}

@Test func junitEscapesHostileNamesAndDropsCharactersXMLForbids() throws {
    var input = SampleReports.noGo
    input.experiment = "a\"b<c>&'d\u{0001}"
    input.decision = GateDecision(outcomes: [RuleOutcome(evalSet: "set <1>", metric: "m&m", check: .floor, passed: false,
                                                         reason: "]]></failure><script>x</script>\u{0000}\nnext line")])
    let xml = JUnitReport.render(input)
    let document = try XMLDocument(data: Data(xml.utf8))
    let suite = try #require(document.rootElement()?.elements(forName: "testsuite").first)
    #expect(suite.attribute(forName: "name")?.stringValue == "a\"b<c>&'d.set <1>")
    let failure = try #require(suite.elements(forName: "testcase").first?.elements(forName: "failure").first)
    #expect(failure.attribute(forName: "message")?.stringValue == "]]></failure><script>x</script>\nnext line")
    #expect(document.rootElement()?.elements(forName: "testsuite").count == 1)
}

/// A combining mark after a quote or '<' is one Swift Character with it, but the XML parser reads
/// the quote or '<' (the report fuzz target's finding: `"` followed by U+065E ended the attribute).
@Test func junitEscapesAQuoteOrBracketThatACombiningMarkFollows() throws {
    var input = SampleReports.noGo
    input.experiment = "\"\u{065E} <\u{0301}b"
    let xml = JUnitReport.render(input)
    let document = try XMLDocument(data: Data(xml.utf8))
    let suite = try #require(document.rootElement()?.elements(forName: "testsuite").first)
    #expect(suite.attribute(forName: "name")?.stringValue?.unicodeScalars.elementsEqual("\"\u{065E} <\u{0301}b.holdout".unicodeScalars) == true)
}

@Test func jsonHasEverythingWithSortedSnakeCaseKeysAndReadsBack() throws {
    let input = SampleReports.noGo
    let json = try JSONReport.render(input)
    #expect(try JSONReport.decode(Data(json.utf8)) == input)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["verdict"] as? String == "NO-GO")
    #expect(object["schema"] as? String == "tollgate.report/1")
    let report = try #require(object["report"] as? [String: Any])
    #expect(Set(report.keys) == ["experiment", "run_id", "created_at", "decision", "eval_sets", "serving", "training",
                                 "trend", "drift", "flaky_examples", "regressed_examples", "improved_examples", "provenance"])
    let serving = try #require(report["serving"] as? [String: Any])
    let candidate = try #require(serving["candidate"] as? [String: Any])
    #expect(candidate["p95_latency_seconds"] as? Double == 1.84)
    #expect(candidate["cost_per_thousand_requests"] as? Double == 0.022)
    // Sorted keys, top level and inside the report.
    let topLevel = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }
        .map { String($0.dropFirst(3).prefix { $0 != "\"" }) }
    #expect(topLevel == ["report", "schema", "verdict", "why"])
    let reportKeys = json.split(separator: "\n").filter { $0.hasPrefix("    \"") }
        .map { String($0.dropFirst(5).prefix { $0 != "\"" }) }
    #expect(reportKeys == reportKeys.sorted())
}

@Test func jsonSurvivesNonFiniteNumbers() throws {
    var input = SampleReports.go
    input.evalSets[0].rows[0].candidate = .nan
    input.evalSets[0].rows[0].delta = .infinity
    let json = try JSONReport.render(input)
    let back = try JSONReport.decode(Data(json.utf8))
    #expect(back.evalSets[0].rows[0].candidate?.isNaN == true)
    #expect(back.evalSets[0].rows[0].delta == .infinity)
}
