import Foundation
import Metrics
import Testing
import TestSupport

/// Cohen's κ against scikit-learn's `cohen_kappa_score` (Tests/Fixtures/kappa-cases.json, made by
/// Tests/Interop/kappa_reference.py), and the agreement figures a judge's calibration reports.
struct CohenKappaTests {
    struct Case: Decodable {
        var name: String
        var labels: [String]
        var first: [String]
        var second: [String]
        var none: Double?
        var linear: Double?
        var quadratic: Double?
    }

    struct File: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        let url = Fixtures.directory.appendingPathComponent("kappa-cases.json")
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases) ?? []
    }()

    @Test func fixtureHasEveryCase() {
        #expect(Self.cases.count == 8)
    }

    @Test(arguments: cases.map(\.name))
    func kappaEqualsScikitLearn(name: String) throws {
        let item = try #require(Self.cases.first { $0.name == name })
        for (weighting, expected) in [(CohenKappa.Weighting.none, item.none), (.linear, item.linear), (.quadratic, item.quadratic)] {
            let kappa = CohenKappa.kappa(item.first, item.second, labels: item.labels, weighting: weighting)
            if let expected {
                let value = try #require(kappa, "\(name) \(weighting): κ undefined, scikit-learn gives \(expected)")
                #expect(abs(value - expected) < 1e-12, "\(name) \(weighting): \(value) vs scikit-learn \(expected)")
            } else {
                #expect(kappa == nil, "\(name) \(weighting): scikit-learn finds κ undefined")
            }
        }
    }

    @Test func agreementGivesRawRateBaseRateAndAnIntervalAroundKappa() throws {
        let item = try #require(Self.cases.first { $0.name == "random-100" })
        let agreement = try #require(RaterAgreement(judge: item.first, human: item.second, labels: item.labels))
        #expect(agreement.items == 100)
        let raw = Double(zip(item.first, item.second).filter { $0 == $1 }.count) / 100
        #expect(agreement.rawAgreement == raw)
        let passes = Double(item.second.filter { $0 == "PASS" }.count) / 100
        #expect(abs(agreement.baseRate - max(passes, 1 - passes)) < 1e-12)
        let kappa = try #require(agreement.kappa), low = try #require(agreement.kappaLow), high = try #require(agreement.kappaHigh)
        #expect(abs(kappa - item.none!) < 1e-12)
        #expect(low < kappa && kappa < high && high - low < 0.5)
    }

    @Test func constantJudgeAgreesAtTheBaseRateWithKappaZero() throws {
        let human = ["PASS", "PASS", "FAIL", "PASS", "FAIL", "PASS", "PASS", "PASS"]
        let agreement = try #require(RaterAgreement(judge: Array(repeating: "PASS", count: 8), human: human, labels: ["FAIL", "PASS"]))
        #expect(agreement.rawAgreement == 0.75)
        #expect(agreement.baseRate == 0.75)
        #expect(agreement.majorityLabel == "PASS")
        #expect(agreement.kappa == 0)
    }
}
