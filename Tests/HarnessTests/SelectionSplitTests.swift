import Corpus
import Foundation
import Harness
import Testing

/// The validation split carved from training data: stratified by label, left out of training,
/// the same for the same inputs, and written as JSONL that reads back line for line.
@Suite struct SelectionSplitTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-split-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// 60 examples over labels a (30), b (20) and c (10).
    func writeLabelled(_ dir: URL) throws -> String {
        let labels = (0..<60).map { $0 % 6 < 3 ? "a" : ($0 % 6 < 5 ? "b" : "c") }
        let lines = labels.enumerated().map { #"{"id": "t\#($0)", "prompt": "message \#($0)", "completion": "\#($1)"}"# }
        let path = dir.appendingPathComponent("train.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aStratifiedSplitRepresentsEveryLabelAndLeavesItOutOfTraining() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeLabelled(dir)
        let split = try SelectionSplit.carve(plan: TrainingPlan(data: data), selection: SelectionPlan(fraction: 0.1, seed: 1),
                                             folder: dir.appendingPathComponent("selection").path)
        #expect(split.stratified)
        #expect(split.validCount == 6 && split.trainCount == 54)   // 3 of a, 2 of b, 1 of c
        let train = try DatasetFile.load(path: split.trainPath, purpose: .training)
        let valid = try DatasetFile.load(path: split.validPath, purpose: .evaluation)
        #expect(Set(valid.examples.map { $0.references[0] }) == ["a", "b", "c"])
        #expect(valid.examples.filter { $0.references[0] == "a" }.count == 3)
        let trainIDs = Set(train.examples.compactMap(\.id)), validIDs = Set(valid.examples.compactMap(\.id))
        #expect(trainIDs.isDisjoint(with: validIDs))
        #expect(trainIDs.union(validIDs).count == 60)
        #expect(train.sha256 == split.trainSHA256 && valid.sha256 == split.validSHA256)
    }

    @Test func theSameInputsCarveTheSameSplitAndAnotherSeedAnother() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let data = try writeLabelled(dir)
        let plan = TrainingPlan(data: data)
        let first = try SelectionSplit.carve(plan: plan, selection: SelectionPlan(), folder: dir.appendingPathComponent("one").path)
        let again = try SelectionSplit.carve(plan: plan, selection: SelectionPlan(), folder: dir.appendingPathComponent("two").path)
        let other = try SelectionSplit.carve(plan: plan, selection: SelectionPlan(fraction: 0.1, seed: 2),
                                             folder: dir.appendingPathComponent("three").path)
        #expect(first.validSHA256 == again.validSHA256)
        #expect(first.validSHA256 != other.validSHA256)
    }

    @Test func freeTextIsSplitWithoutStrataAndTextExamplesCannotBeScored() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("free.jsonl").path
        let lines = (0..<30).map { #"{"prompt": "say \#($0)", "completion": "answer number \#($0)"}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let split = try SelectionSplit.carve(plan: TrainingPlan(data: path), selection: SelectionPlan(), folder: dir.path + "/s")
        #expect(!split.stratified && split.validCount == 3 && split.trainCount == 27)

        let text = dir.appendingPathComponent("text.jsonl").path
        try #"{"text": "just text"}"#.write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: SelectionSplitError.unscorable(path: text, line: 1)) {
            try SelectionSplit.carve(plan: TrainingPlan(data: text), selection: SelectionPlan(), folder: dir.path + "/t")
        }
    }
}
