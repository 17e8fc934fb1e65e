import Foundation
import Metrics
import Testing

@Suite struct ChrFFixtureTests {
    /// chrF, chrF++, lower-cased and whitespace-keeping chrF on the baseline.
    @Test func corpusChrFMatchesSacrebleu() throws {
        let hypotheses = MetricCases.hypotheses("baseline")
        let rows = MetricCases.rows("chrf")
        #expect(rows.count == 4)
        for row in rows {
            let options = MetricCases.chrfOptions(row["options"] as! [String: Any])
            let score = try ChrF(options).corpusScore(hypotheses: hypotheses, references: [MetricCases.references[0]])
            #expect(abs(score.score - (row["score"] as! Double)) <= 1e-9, "\(options): \(score.score)")
            #expect(score.signature == MetricCases.tollgateSignature(row["signature"] as! String))
        }
    }

    @Test func sentenceChrFMatchesSacrebleu() {
        let rows = MetricCases.rows("chrf_sentence")
        #expect(rows.count == 30)
        let chrf = ChrF()
        for row in rows {
            let score = chrf.sentenceScore(hypothesis: row["hyp"] as! String, references: [row["ref"] as! String])
            #expect(abs(score - (row["score"] as! Double)) <= 1e-9, "\(row["hyp"]!) | \(row["ref"]!): \(score)")
        }
    }

    @Test func chrFPlusPlusIsNamedAndKindedAsSuch() {
        let metric = ChrF(.chrfPlusPlus)
        #expect(metric.name == "chrF2++")
        #expect(metric.kind == .chrfPlusPlus)
        #expect(ChrF().name == "chrF2")
    }
}
