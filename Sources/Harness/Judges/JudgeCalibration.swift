import Corpus
import Foundation

/// People's verdicts on fixed answers to an eval set's examples, for a judge's agreement figures:
/// a JSONL side file, one `{"id": EXAMPLE ID, "answer": TEXT, "human": VERDICT}` per line, where
/// the id names an example of the eval set (its question and reference are shown to the judge) and
/// the verdict is one of the judge's labels (PASS/FAIL, 1–N, CONSISTENT/INCONSISTENT; any case).
/// The judge judges these answers in the same run, and κ compares its verdicts with people's.
struct JudgeCalibration {
    struct Item {
        var exampleIndex: Int
        var exampleID: String
        var answer: String
        var human: String
    }

    var path: String
    var items: [Item]

    /// Reads and checks the file against the eval set's examples and the judge's labels (exit 2 on
    /// a bad line, naming it).
    static func load(path: String, examples: [Example], labels: [String]) throws -> JudgeCalibration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw JudgeError.badCalibration(path: path, line: 0, reason: "the file cannot be read")
        }
        let byID = Dictionary(examples.enumerated().compactMap { index, example in example.id.map { ($0, index) } }) { first, _ in first }
        var items: [Item] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw JudgeError.badCalibration(path: path, line: lineNumber, reason: "the line is not a JSON object")
            }
            guard let id = object["id"] as? String, let answer = object["answer"] as? String,
                  let human = (object["human"] as? String) ?? (object["human"] as? Int).map(String.init) else {
                throw JudgeError.badCalibration(path: path, line: lineNumber, reason: "id, answer or human is missing or not text")
            }
            guard let index = byID[id] else {
                throw JudgeError.badCalibration(path: path, line: lineNumber, reason: "id \(id) is not an example of the eval set")
            }
            let verdict = human.uppercased()
            guard labels.contains(verdict) else {
                throw JudgeError.badCalibration(path: path, line: lineNumber,
                                                reason: "human verdict '\(human)' is not one of \(labels.joined(separator: ", "))")
            }
            items.append(Item(exampleIndex: index, exampleID: id, answer: answer, human: verdict))
        }
        if items.isEmpty { throw JudgeError.badCalibration(path: path, line: 1, reason: "the file has no verdicts") }
        return JudgeCalibration(path: path, items: items)
    }
}
