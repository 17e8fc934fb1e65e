import Foundation
import Metrics
import Testing

@Suite struct EdgeCaseTests {
    static let metrics: [any CorpusMetric] = [BLEU(), BLEU(BLEUOptions(tokenize: .zh, smooth: .floor)),
                                              ChrF(), ChrF(.chrfPlusPlus), ExactMatch(), TokenF1()]

    @Test func emptyCorpusScoresZeroWithoutDividingByZero() throws {
        for metric in Self.metrics {
            let score = try metric.corpusScore(hypotheses: [], references: [[]])
            #expect(score.score == 0, "\(metric.name)")
            #expect(score.segments == 0)
            let statistics = try metric.statistics(hypotheses: [], references: [[]])
            let ci = bootstrapCI(metric: metric, statistics: statistics, resamples: 20)
            #expect(ci.mean == 0 && ci.low == 0 && ci.high == 0)
            // No trial can exceed a zero difference: sacrebleu's (0 + 1) / (trials + 1).
            #expect(pairedApproximateRandomization(metric: metric, baseline: statistics, system: statistics, trials: 20).pValue == 1.0 / 21)
        }
    }

    @Test func emptyHypothesesAndReferencesScoreFiniteValues() throws {
        let hypotheses = ["", "a b c", "", "   "]
        let references = [["x y", "", "", ""]]
        for metric in Self.metrics {
            let score = try metric.corpusScore(hypotheses: hypotheses, references: references)
            #expect(score.score.isFinite && score.score >= 0, "\(metric.name)")
            for value in try metric.segmentScores(hypotheses: hypotheses, references: references) {
                #expect(value.isFinite, "\(metric.name)")
            }
        }
        let bleu = try #require(try BLEU().corpusScore(hypotheses: [""], references: [["a"]]).bleu)
        #expect(bleu.bp == 0 && bleu.sysLen == 0 && bleu.refLen == 1)
        #expect(try BLEU().corpusScore(hypotheses: ["a"], references: [[""]]).bleu?.ratio == 0)
    }

    @Test func referenceSetOfWrongLengthIsRejectedWithCounts() {
        #expect(throws: MetricsError.referenceCountMismatch(referenceSet: 1, referenceLines: 1, hypothesisLines: 2)) {
            try BLEU().statistics(hypotheses: ["a", "b"], references: [["a", "b"], ["a"]])
        }
        #expect(throws: MetricsError.noReferences) { try ChrF().statistics(hypotheses: ["a"], references: []) }
    }

    @Test func parallelExtractionEqualsSegmentBySegment() throws {
        // 2,000 segments run in parallel chunks; each row must equal the row computed alone.
        let base = MetricCases.hypotheses("sysB"), refs = MetricCases.references
        let hypotheses = (0..<2000).map { base[$0 % base.count] + ($0 % 7 == 0 ? " extra" : "") }
        let references = refs.map { set in (0..<2000).map { set[$0 % set.count] } }
        for metric in [BLEU(), ChrF(.chrfPlusPlus)] as [any CorpusMetric] {
            let statistics = try metric.statistics(hypotheses: hypotheses, references: references)
            for segment in stride(from: 0, to: 2000, by: 97) {
                let alone = try metric.statistics(hypotheses: [hypotheses[segment]], references: references.map { [$0[segment]] })
                #expect(statistics.row(segment) == alone.row(0))
            }
        }
    }

    @Test func lowercaseFollowsPythonIncludingFinalSigma() throws {
        // Python: "ΟΔΟΣ ΣΑ".lower() == "οδος σα"; final sigma only at a word's end.
        let bleu = BLEU(BLEUOptions(tokenize: .none, lowercase: true))
        #expect(abs(bleu.sentenceScore(hypothesis: "ΟΔΟΣ ΣΑ", references: ["οδος σα"]) - 100) < 1e-9)
        #expect(bleu.sentenceScore(hypothesis: "ΟΔΟΣ ΣΑ", references: ["οδοσ σα"]) < 100)
    }
}

@Suite struct VariableReferenceTests {
    /// Segments with one or two golds: each segment's references are used as given, and the
    /// signature says `nrefs:var` as sacrebleu's does.
    @Test func perSegmentReferenceListsMatchFixedSetsWhenCountsAgree() throws {
        let hypotheses = MetricCases.hypotheses("sysA"), sets = MetricCases.references
        let perSegment = hypotheses.indices.map { [sets[0][$0], sets[1][$0]] }
        for metric in [BLEU(), ChrF(), ExactMatch()] as [any CorpusMetric] {
            #expect(try metric.statistics(hypotheses: hypotheses, segmentReferences: perSegment)
                    == (try metric.statistics(hypotheses: hypotheses, references: sets)))
        }
        let mixed = [["Paris"], ["Eiffel Tower", "the Eiffel Tower"]]
        let em = ExactMatch()
        let statistics = try em.statistics(hypotheses: ["Paris", "The Eiffel Tower"], segmentReferences: mixed)
        #expect(em.score(totals: statistics.totals()) == 50)
        #expect(ExactMatch.referenceSetCount(mixed) == -1)
        #expect(em.signature(referenceSets: -1).hasPrefix("nrefs:var|"))
        #expect(throws: MetricsError.noReferencesForSegment(1)) {
            try em.statistics(hypotheses: ["a", "b"], segmentReferences: [["a"], []])
        }
    }
}
