import Foundation
import Testing
import Harness

@Suite struct LogLikelihoodSetTests {
    func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mc-\(UUID().uuidString).jsonl")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func readsItemsWithDefaultDelimiter() throws {
        let path = try write("""
            {"id": "a", "context": "Q?", "choices": ["x", "y"], "label": 1}
            {"id": 7, "context": "R?", "choices": ["x", "y", "z"], "label": 0, "target_delimiter": ""}

            """)
        let set = try LogLikelihoodSet.load(path: path, kind: .multipleChoice)
        #expect(set.items.count == 2)
        #expect(set.items[0].continuation(0) == " x")
        #expect(set.items[1].id == "7" && set.items[1].continuation(2) == "z")
    }

    @Test(arguments: [
        (#"{"context": "Q", "choices": ["x"], "label": 0}"#, "at least two"),
        (#"{"context": "Q", "choices": ["x", "y"], "label": 2}"#, "there are 2 choices"),
        (#"{"context": "Q", "choices": ["x", "y"], "label": true}"#, "\"label\""),
        (#"{"context": "Q", "choices": ["x", 3], "label": 0}"#, "\"choices\""),
        (#"{"choices": ["x", "y"], "label": 0}"#, "\"context\""),
        ("not json", "not a JSON object"),
    ])
    func aBadLineNamesFileLineAndTheFix(line: String, expected: String) throws {
        let path = try write("{\"context\": \"Q\", \"choices\": [\"x\", \"y\"], \"label\": 0}\n" + line + "\n")
        do {
            _ = try LogLikelihoodSet.load(path: path, kind: .multipleChoice)
            Issue.record("\(line) was accepted")
        } catch let error as LogLikelihoodError {
            #expect(error.description.hasPrefix("\(path):2: "))
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func duplicateIdsAreRefused() throws {
        let path = try write("""
            {"id": "a", "context": "Q", "choices": ["x", "y"], "label": 0}
            {"id": "a", "context": "Q", "choices": ["x", "y"], "label": 0}
            """)
        #expect(throws: LogLikelihoodError.badLine(path: path, line: 2, reason: "id \"a\" appears twice; ids must be unique")) {
            try LogLikelihoodSet.load(path: path, kind: .multipleChoice)
        }
    }

    @Test func theCommittedSubsetsAreWellFormedAndStratified() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for (name, choices) in [("hellaswag", 4), ("piqa", 2)] {
            let set = try LogLikelihoodSet.load(path: root.appendingPathComponent("Datasets/\(name)/validation-1000.jsonl").path,
                                                kind: .multipleChoice)
            #expect(set.items.count == 1000)
            #expect(set.items.allSatisfy { $0.choices.count == choices })
            // Each gold index holds its share of the 1,000 within one item of the source's proportion.
            let counts = Dictionary(grouping: set.items, by: \.label).mapValues(\.count)
            #expect(counts.values.allSatisfy { abs($0 - 1000 / choices) <= 20 }, "\(name): \(counts)")
            let guardSet = try LogLikelihoodSet.load(path: root.appendingPathComponent("Datasets/\(name)/guard-200.jsonl").path,
                                                     kind: .multipleChoice)
            #expect(Set(guardSet.items.map(\.id)).isSubset(of: Set(set.items.map(\.id))))
        }
    }
}
