import Foundation
import Metrics
import Testing

@Suite struct ExactMatchTests {
    @Test func exactMatchRowsAreIdenticalUnderEveryNormalization() {
        let rows = MetricCases.rows("exact_match")
        #expect(rows.count == 20)
        for row in rows {
            let prediction = row["prediction"] as! String
            let golds = row["golds"] as! [String]
            for normalization in AnswerNormalization.allCases {
                let match = ExactMatch(ExactMatchOptions(normalize: normalization)).match(prediction: prediction, golds: golds)
                #expect(match == row[normalization.rawValue] as! Double, "\(normalization) \(prediction) \(golds)")
            }
            #expect(AnswerNormalization.squad.normalizedString(prediction) == row["squad_normalized_prediction"] as! String)
        }
    }

    @Test func corpusExactMatchIsThePercentageOfMatches() throws {
        let rows = MetricCases.rows("exact_match")
        let predictions = rows.map { $0["prediction"] as! String }
        let firstGolds = rows.map { ($0["golds"] as! [String])[0] }
        let expected = 100 * rows.filter { ($0["golds"] as! [String]).count == 1 }
            .reduce(0.0) { $0 + ($1["squad"] as! Double) }
        let single = rows.indices.filter { (rows[$0]["golds"] as! [String]).count == 1 }
        let score = try ExactMatch(ExactMatchOptions(normalize: .squad))
            .corpusScore(hypotheses: single.map { predictions[$0] }, references: [single.map { firstGolds[$0] }])
        #expect(abs(score.score - expected / Double(single.count)) < 1e-12)
        #expect(score.signature == "nrefs:1|norm:squad|version:tollgate-\(TollgateVersion.string)")
    }

    @Test func tokenF1CountsSharedWordsOnce() {
        let f1 = TokenF1()
        // "the" is dropped by normalisation: prediction {big, cat, cat}, gold {cat, sat}: 1 shared.
        let score = f1.f1(prediction: "The big cat cat", golds: ["cat sat"])
        let precision = 1.0 / 3, recall = 1.0 / 2
        #expect(abs(score - 2 * precision * recall / (precision + recall)) < 1e-15)
        #expect(f1.f1(prediction: "Paris", golds: ["London", "paris."]) == 1)
        #expect(f1.f1(prediction: "", golds: [""]) == 1)
        #expect(f1.f1(prediction: "", golds: ["x"]) == 0)
    }
}
