import Foundation
import Gate
import Metrics
import Reports
import Testing

/// The parts of a readout that say how a decision was made: detectability warnings, adjusted
/// p-values and the per-label table of a classification set.
@Suite struct DecisionSectionsTests {
    @Test func aRuleTighterThanTheDetectableDropIsNamedWithTheExamplesNeeded() throws {
        // MDE = 2.486 × SE; SE chosen for 6.1 points; 210 × (6.1 / 2)² ≈ 1,950 → "about 2,000".
        let effect = DetectableEffect(examples: 210, significance: 0.05, power: 0.8, standardError: 6.1 / 2.4865)
        let sentence = try #require(DetectabilityWarning.sentence(evalSet: "support-routing", metric: "em", effect: effect, maxDrop: 2))
        #expect(sentence == "support-routing has 210 examples; drops under 6.1 points of em cannot be told from noise — about 2,000 examples would be needed to see 2.0")
        #expect(DetectabilityWarning.sentence(evalSet: "s", metric: "em", effect: effect, maxDrop: 7) == nil)
        let zero = try #require(DetectabilityWarning.sentence(evalSet: "s", metric: "em", effect: effect, maxDrop: 0))
        #expect(zero.hasSuffix("would be needed to see 1.0"), "\(zero)")
    }

    @Test func theEvalSetTableShowsRawAndAdjustedPAndTheWarning() {
        let markdown = MarkdownReport.render(SampleReports.input(bleu: 38.89, chrf: 57.5, em: 0.45, pValue: 0.003, p95: 1.1, runId: "r"))
        #expect(markdown.contains("| p (worse) | adjusted p | detectable drop |"))
        #expect(markdown.contains("| 0.003 | 0.003 | 2.98 |"))
        #expect(markdown.contains(#"> ⚠️ holdout has 200 examples; drops under 3.0 points of bleu cannot be told from noise — about 1,800 examples would be needed to see 1.0."#))
        #expect(markdown.contains(#"40 validation examples carved from Datasets/capitals/train.jsonl"#))
    }

    @Test func aClassificationSetGetsPerLabelScoresAndItsLargestConfusions() {
        let references = ["refund", "refund", "refund", "login", "login", "other"].map { [$0] }
        let baseline = ClassificationReport(predictions: ["refund", "login", "x", "login", "other", "other"], references: references)
        let candidate = ClassificationReport(predictions: ["refund", "refund", "login", "login", "refund", "other"], references: references)
        var evalSet = EvalSetReport(name: "routing", rows: [])
        evalSet.labels = LabelComparison(baseline: baseline, candidate: candidate)
        let input = ReportInput(experiment: "e", runId: "1", decision: GateDecision(outcomes: []), evalSets: [evalSet],
                                provenance: SampleReports.provenance)
        let markdown = MarkdownReport.render(input)
        #expect(markdown.contains("### Per-label scores"))
        #expect(markdown.contains("| refund | 3 | 100.00 → 66.67 | 33.33 → 66.67 | 50.00 → 66.67 | +16.67 |"), "\(markdown)")
        #expect(markdown.contains("| refund | login | 1 |"))
        #expect(markdown.contains("macro F1"))
    }
}
