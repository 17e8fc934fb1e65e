import Foundation
import Testing
import TestSupport

/// `tollgate score --metric macro_f1` against scikit-learn's `f1_score(average="macro",
/// labels=<reference labels>)` from Tests/Fixtures/classification/sklearn-classification.json.
@Suite struct MacroF1ScoreTests {
    @Test func macroF1OfEveryFixtureCaseEqualsScikitLearn() throws {
        let json = try Fixtures.json("classification/sklearn-classification.json")
        for item in json["cases"] as! [[String: Any]] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-macro-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try ((item["references"] as! [String]).joined(separator: "\n") + "\n")
                .write(to: folder.appendingPathComponent("refs.txt"), atomically: true, encoding: .utf8)
            try ((item["predictions"] as! [String]).joined(separator: "\n") + "\n")
                .write(to: folder.appendingPathComponent("hyps.txt"), atomically: true, encoding: .utf8)
            let result = try TollgateBinary.run(["score", "--metric", "macro_f1", "--refs", "refs.txt", "--hyps", "hyps.txt", "--json"],
                                                currentDirectory: folder)
            #expect(result.status == 0, "\(result.stderr)")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            let score = try #require(list.first?["score"] as? Double)
            let expected = 100 * (item["macro_f1"] as! NSNumber).doubleValue
            #expect(abs(score - expected) < 1e-9, "\(item["name"]!): \(score) vs \(expected)")
            #expect(list.first?["metric"] as? String == "macro_f1")
        }
    }
}
