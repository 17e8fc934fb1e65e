import Foundation
import Metrics
import TestSupport
import Testing

/// Per-label precision, recall, F1 and macro-F1 against scikit-learn's `classification_report`
/// and `f1_score(average="macro", labels=<reference labels>)`, computed once by
/// Tests/Fixtures/classification/make_classification_fixture.py.
@Suite struct ClassificationFixtureTests {
    struct Case {
        let name: String
        let references: [String]
        let predictions: [String]
        let labels: [String]
        let perLabel: [String: [String: Double]]
        let macroF1: Double
    }

    static func cases() throws -> [Case] {
        let json = try Fixtures.json("classification/sklearn-classification.json")
        return (json["cases"] as! [[String: Any]]).map { item in
            Case(name: item["name"] as! String, references: item["references"] as! [String],
                 predictions: item["predictions"] as! [String], labels: item["labels"] as! [String],
                 perLabel: (item["per_label"] as! [String: [String: Any]]).mapValues { $0.mapValues { ($0 as! NSNumber).doubleValue } },
                 macroF1: (item["macro_f1"] as! NSNumber).doubleValue)
        }
    }

    @Test func perLabelScoresEqualScikitLearnsClassificationReport() throws {
        let cases = try Self.cases()
        #expect(cases.count == 5)
        for item in cases {
            let report = ClassificationReport(predictions: item.predictions, references: item.references.map { [$0] }, normalize: .exact)
            #expect(report.labels.map(\.label) == item.labels, "\(item.name)")
            for score in report.labels {
                let expected = try #require(item.perLabel[score.label])
                #expect(abs(score.precision - expected["precision"]!) < 1e-12, "\(item.name) \(score.label) precision")
                #expect(abs(score.recall - expected["recall"]!) < 1e-12, "\(item.name) \(score.label) recall")
                #expect(abs(score.f1 - expected["f1"]!) < 1e-12, "\(item.name) \(score.label) f1")
                #expect(Double(score.support) == expected["support"]!, "\(item.name) \(score.label) support")
            }
            #expect(abs(report.macroF1 - item.macroF1) < 1e-12, "\(item.name) macro F1 \(report.macroF1) vs \(item.macroF1)")
        }
    }

    @Test func macroF1MetricFromSegmentStatisticsEqualsScikitLearn() throws {
        for item in try Self.cases() {
            let metric = MacroF1(labels: item.labels, options: ExactMatchOptions(normalize: .exact))
            let score = try metric.corpusScore(hypotheses: item.predictions, references: [item.references])
            #expect(abs(score.score - 100 * item.macroF1) < 1e-9, "\(item.name): \(score.score) vs \(100 * item.macroF1)")
        }
    }

    @Test func aGarbledAnswerLowersItsReferencesRecallWithoutBecomingALabel() throws {
        let report = ClassificationReport(predictions: ["a", "zzz"], references: [["a"], ["a"]], labels: ["a", "b"], normalize: .exact)
        #expect(report.labels.map(\.label) == ["a", "b"])
        #expect(report.labels[0].recall == 0.5)
        #expect(report.labels[0].precision == 1)
        #expect(report.confusions == [Confusion(reference: "a", predicted: "zzz", count: 1)])
    }

    @Test func confusionsAreListedMostFrequentFirst() {
        let references = ["a", "a", "a", "b", "b", "c"].map { [$0] }
        let report = ClassificationReport(predictions: ["b", "b", "a", "c", "a", "a"], references: references, normalize: .exact)
        #expect(report.confusions.map(\.count) == [2, 1, 1, 1])
        #expect(report.confusions[0] == Confusion(reference: "a", predicted: "b", count: 2))
    }

    @Test func labelSetsAreSmallRepeatedAndSingleReference() {
        let labels = (0..<20).map { [["x", "y", "z"][$0 % 3]] }
        #expect(LabelSet.detect(labels, normalize: .strip) == ["x", "y", "z"])
        #expect(LabelSet.detect(labels + [["w"]], normalize: .strip) == nil, "a label seen once")
        #expect(LabelSet.detect(labels + [["x", "y"]], normalize: .strip) == nil, "several references")
        let many = (0..<102).map { [String($0 % 51)] }
        #expect(LabelSet.detect(many, normalize: .strip) == nil, "51 labels")
        #expect(LabelSet.detect((0..<100).map { [String($0 % 50)] }, normalize: .strip)?.count == 50)
        #expect(LabelSet.detect([["x"], ["x"]], normalize: .strip) == nil, "one label is no classification")
    }
}
