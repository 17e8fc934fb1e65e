import Foundation
import Metrics
import Testing

@Suite struct BLEUFixtureTests {
    @Test func fixtureIsPresent() {
        #expect(MetricCases.references.count == 2)
        #expect(MetricCases.hypotheses("baseline").count == 240)
        #expect(MetricCases.rows("corpus_bleu_single_ref").count == 40)
    }

    /// Every tokenizer × smoothing × case on the baseline against the first reference set.
    @Test func corpusBLEUMatchesSacrebleuForEveryTokenizerSmoothingAndCase() throws {
        let hypotheses = MetricCases.hypotheses("baseline")
        let references = [MetricCases.references[0]]
        for row in MetricCases.rows("corpus_bleu_single_ref") {
            let options = MetricCases.bleuOptions(row["options"] as! [String: Any])
            try expectMatches(row, try BLEU(options).corpusScore(hypotheses: hypotheses, references: references), options)
        }
    }

    /// The first row scores the baseline (13a), the second sysA (intl): their hyp_len values are
    /// those systems' token counts.
    @Test func twoReferenceBLEUMatchesSacrebleu() throws {
        let rows = MetricCases.rows("corpus_bleu_two_refs")
        #expect(rows.count == 2)
        for (row, system) in zip(rows, ["baseline", "sysA"]) {
            let hypotheses = MetricCases.hypotheses(system)
            let options = MetricCases.bleuOptions(row["options"] as! [String: Any])
            try expectMatches(row, try BLEU(options).corpusScore(hypotheses: hypotheses, references: MetricCases.references), options)
        }
    }

    private func expectMatches(_ row: [String: Any], _ score: CorpusScore, _ options: BLEUOptions) throws {
        let details = try #require(score.bleu)
        let label = "\(options)"
        #expect(abs(score.score - (row["score"] as! Double)) <= 1e-9, "\(label): \(score.score) vs \(row["score"]!)")
        #expect(details.counts == MetricCases.doubles(row["counts"]), "\(label)")
        #expect(details.totals == MetricCases.doubles(row["totals"]), "\(label)")
        #expect(abs(details.bp - (row["bp"] as! Double)) <= 1e-9, "\(label)")
        #expect(details.sysLen == row["sys_len"] as! Int, "\(label)")
        #expect(details.refLen == row["ref_len"] as! Int, "\(label)")
        #expect(score.signature == MetricCases.tollgateSignature(row["signature"] as! String))
    }

    /// Sentence BLEU (effective order, exp smoothing), including empty hypotheses and references.
    @Test func sentenceBLEUMatchesSacrebleu() {
        let rows = MetricCases.rows("sentence_bleu")
        #expect(rows.count == 66)
        let bleu = BLEU()
        for row in rows {
            let score = bleu.sentenceScore(hypothesis: row["hyp"] as! String, references: [row["ref"] as! String])
            #expect(abs(score - (row["score"] as! Double)) <= 1e-9, "\(row["hyp"]!) | \(row["ref"]!): \(score)")
        }
    }

    @Test func segmentScoresEqualSentenceScores() throws {
        let rows = MetricCases.rows("sentence_bleu")
        let hypotheses = rows.map { $0["hyp"] as! String }
        let references = [rows.map { $0["ref"] as! String }]
        let scores = try BLEU().segmentScores(hypotheses: hypotheses, references: references)
        for (score, row) in zip(scores, rows) {
            #expect(abs(score - (row["score"] as! Double)) <= 1e-9)
        }
    }
}
