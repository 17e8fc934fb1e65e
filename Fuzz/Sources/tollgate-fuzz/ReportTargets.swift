import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Gate
import Reports

/// The report writers: the input is split at NUL bytes into strings that replace, in turn, every
/// free-text field of a complete report (names, ids, prompts, outputs, paths, commands). The
/// markdown must keep the structure of the same report with plain names, and the JUnit XML must
/// parse with the same test cases; a plain experiment name must come out as written.
let reportTargets: [FuzzTarget] = [
    FuzzTarget(name: "report", summary: "MarkdownReport and JUnitReport of a report whose text fields hold the input; structure survives, plain text unchanged",
               prepare: { _ = (SampleReport.plainSkeleton, SampleReport.plainTestcases) }) { data in
        let pieces = data.split(separator: 0, omittingEmptySubsequences: false).map { text($0) }
        let hostile = SampleReport.substituted(pieces)
        let markdown = MarkdownReport.render(hostile)
        let skeleton = MarkdownStructure.skeleton(markdown)
        if skeleton != SampleReport.plainSkeleton {
            let line = zip(skeleton, SampleReport.plainSkeleton).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(skeleton.count, SampleReport.plainSkeleton.count)
            let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
            PropertyViolation.fail("report", "markdown structure changed at line \(line + 1): "
                + "\(line < skeleton.count ? skeleton[line] : "end") instead of \(line < SampleReport.plainSkeleton.count ? SampleReport.plainSkeleton[line] : "end")"
                + " in \(line < lines.count ? String(lines[line].prefix(300)).debugDescription : "")")
        }
        let experiment = hostile.experiment
        if MarkdownStructure.isPlain(experiment), !markdown.hasPrefix("# \(experiment)\n") {
            PropertyViolation.fail("report", "the plain name \(experiment.debugDescription) was not written as it is")
        }
        let xml = JUnitReport.render(hostile)
        let counter = XMLElementCounter(xml)
        guard counter.parsed else { PropertyViolation.fail("report", "JUnit XML does not parse: \(counter.failure)") }
        if counter.testcases != SampleReport.plainTestcases {
            PropertyViolation.fail("report", "JUnit XML has \(counter.testcases) test cases instead of \(SampleReport.plainTestcases)")
        }
    },
]

/// Counts `<testcase>` elements with Foundation's XML parser.
final class XMLElementCounter: NSObject, XMLParserDelegate {
    private(set) var testcases = 0
    private(set) var parsed = false
    private(set) var failure = ""

    init(_ xml: String) {
        super.init()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = self
        parsed = parser.parse()
        failure = parser.parserError.map { "\($0)" } ?? ""
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "testcase" { testcases += 1 }
    }
}

/// A complete NO-GO report (rules, drift, flaky and regressed examples, training, provenance) whose
/// string fields are replaced through its JSON form.
enum SampleReport {
    static let base: ReportInput = {
        let policy = GatePolicy(rules: [MetricRule(metric: "bleu", floor: 20, maxDrop: 1, significanceAlpha: 0.05),
                                        MetricRule(metric: "em", floor: 0.3)])
        let comparisons = [MetricComparison(evalSet: "holdout", metric: "bleu", baseline: 41.2, candidate: 38.9, pValue: 0.003),
                           MetricComparison(evalSet: "holdout", metric: "em", baseline: 0.42, candidate: 0.40, pValue: 0.5)]
        let decision = policy.decide(comparisons: comparisons, candidateServing: nil)
        let evalSet = EvalSetReport(name: "holdout", dataset: "Datasets/capitals/holdout.jsonl", exampleCount: 200,
                                    comparisons: comparisons, confidenceIntervals: ["bleu": Interval(low: 37.2, high: 40.5)],
                                    policy: policy, decision: decision)
        let change = ExampleChange(id: "cap-003", evalSet: "holdout", prompt: "What is the capital of Chad?", reference: "N'Djamena",
                                   baselineOutput: "N'Djamena", candidateOutput: "Chad is a country", baselineScore: 1, candidateScore: 0)
        let history = [RunMetrics(runId: "run-1", verdict: .go, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 40.2)])]
        let training = TrainingSummary(lossCurve: [LossPoint(step: 0, loss: 2.9), LossPoint(step: 50, loss: 2.1)],
                                       checkpoints: [CheckpointScore(step: 50, evalSet: "validation", metric: "bleu", value: 40.1)],
                                       chosenStep: 50,
                                       adapterMatrices: [AdapterSpectrum(name: "layers.0.self_attn.q_proj", singularValues: [2, 1, 0.5])])
        return ReportInput(
            experiment: "nightly", runId: "run-4", createdAt: "2026-11-24T02:00:00Z", decision: decision, evalSets: [evalSet],
            training: training,
            trend: [TrendSeries(evalSet: "holdout", metric: "bleu", points: [TrendPoint(runId: "run-1", value: 40.2, verdict: .go)])],
            drift: computeDrift(tonight: RunMetrics(runId: "run-4", verdict: .noGo, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: 38.9)]),
                                pinned: history[0], history: history, recentGoLimit: 7),
            flakyExamples: findFlakyExamples(runs: [ExampleOutcomes(runId: "run-2", passed: ["cap-011": true]),
                                                    ExampleOutcomes(runId: "run-3", passed: ["cap-011": false])]),
            regressedExamples: [change],
            provenance: Provenance(modelSha256: "b179c952", dataSha256: [NamedHash(name: "Datasets/capitals/holdout.jsonl", sha256: "9e1c2b3a")],
                                   metricSignatures: ["nrefs:1|case:mixed|tok:13a"], toolVersion: "0.1.0", gitCommit: "a8893a7",
                                   command: "tollgate run Experiments/nightly.yaml"))
    }()

    private static let baseJSON: Any = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(base))

    /// Paths of the string fields that can hold any text (enumerations such as verdicts cannot).
    private static let freeTextPaths: [[JSONPathStep]] = stringPaths(baseJSON, prefix: []).filter { path in
        decode(replacing(baseJSON, at: path[...], with: "x")) != nil
    }

    static let plainSkeleton = MarkdownStructure.skeleton(MarkdownReport.render(substituted(["x"])))
    static let plainTestcases = XMLElementCounter(JUnitReport.render(substituted(["x"]))).testcases

    /// The report with free-text field k holding pieces[k % pieces.count] (empty pieces become "x").
    static func substituted(_ pieces: [String]) -> ReportInput {
        var json = baseJSON
        for (index, path) in freeTextPaths.enumerated() {
            let piece = pieces[index % pieces.count]
            json = replacing(json, at: path[...], with: piece.isEmpty ? "x" : piece)
        }
        guard let input = decode(json) else { PropertyViolation.fail("report", "substituted report no longer decodes") }
        return input
    }

    private static func decode(_ json: Any) -> ReportInput? {
        guard let data = try? JSONSerialization.data(withJSONObject: json) else { return nil }
        return try? JSONDecoder().decode(ReportInput.self, from: data)
    }
}
