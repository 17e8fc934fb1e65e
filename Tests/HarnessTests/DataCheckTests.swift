import Corpus
import Foundation
import Harness
import Testing
import TestSupport

/// The repository's Datasets folder, found from the fixtures folder (Tests/Fixtures → ../../Datasets).
private let datasetsDirectory = Fixtures.directory
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Datasets")

private func bundledDatasets() throws -> [URL] {
    let names = try FileManager.default.contentsOfDirectory(atPath: datasetsDirectory.path).sorted()
    return names.map { datasetsDirectory.appendingPathComponent($0) }
        .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("holdout.jsonl").path) }
}

private func example(_ id: String, _ input: String, _ output: String, line: Int) -> DataCheckExample {
    DataCheckExample(id: id, input: input, output: output, line: line)
}

/// Writes examples as prompt/completion JSONL into a fresh temporary file.
private func writeJSONL(_ examples: [DataCheckExample], name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("datacheck-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let lines = try examples.map { example -> String in
        let object = ["id": example.id, "prompt": example.input, "completion": example.output]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
    let url = folder.appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}

private func routing() throws -> (train: [DataCheckExample], holdout: [DataCheckExample]) {
    let folder = datasetsDirectory.appendingPathComponent("support-routing")
    return (try DataCheckReader.read(folder.appendingPathComponent("train.jsonl"), purpose: .training),
            try DataCheckReader.read(folder.appendingPathComponent("holdout.jsonl"), purpose: .evaluation))
}

/// Training examples with no duplicate or near duplicate inside training, so a copy planted in the
/// holdout matches exactly one training line.
private func isolatedTrainingExamples(_ train: [DataCheckExample], _ holdout: [DataCheckExample]) -> [DataCheckExample] {
    let duplicates = DataCheck.run(train: train, holdout: holdout).trainDuplicates
    let paired = Set(duplicates.pairs.flatMap { [$0.firstID, $0.secondID] })
    return train.filter { !paired.contains($0.id) }
}

/// The holdout plus one line copied from training with one word near the end of its message replaced.
private func holdoutWithPlantedNearDuplicate() throws -> (train: [DataCheckExample], holdout: [DataCheckExample], source: DataCheckExample) {
    let (train, holdout) = try routing()
    let source = try #require(isolatedTrainingExamples(train, holdout)
        .max { $0.input.split(separator: " ").count < $1.input.split(separator: " ").count })
    var words = source.input.split(separator: " ").map(String.init)
    // A plain word, so exactly the three shingles holding it change.
    let position = try #require(words.indices.dropLast(2).last { words[$0].allSatisfy(\.isLetter) })
    words[position] = "zebra"
    let planted = example("planted-near", words.joined(separator: " "), source.output, line: holdout.count + 1)
    return (train, holdout + [planted], source)
}

@Suite struct DataCheckTests {
    @Test func bundledDatasetsHaveNoLeakageAndEnoughExamples() throws {
        let datasets = try bundledDatasets()
        #expect(datasets.map(\.lastPathComponent).contains("support-routing"))
        #expect(datasets.map(\.lastPathComponent).contains("support-replies"))
        for folder in datasets {
            let report = try DataCheck.run(train: folder.appendingPathComponent("train.jsonl"),
                                           holdout: folder.appendingPathComponent("holdout.jsonl"))
            #expect(!report.leakageFound, "\(folder.lastPathComponent) leaks")
            #expect(report.exactLeaks.count == 0 && report.nearLeaks.count == 0)
            #expect(report.train.emptyInputs.isEmpty && report.train.emptyOutputs.isEmpty)
            #expect(report.holdout.emptyInputs.isEmpty && report.holdout.emptyOutputs.isEmpty)
            // The issue's minimum sizes; order-actions is optional and has no minimum beyond a useful one.
            let minimum = ["support-routing": (600, 200), "support-replies": (400, 150)][folder.lastPathComponent] ?? (100, 50)
            #expect(report.train.examples >= minimum.0 && report.holdout.examples >= minimum.1)
        }
    }

    @Test func supportRoutingHasBalancedLabelsAllSeenInTraining() throws {
        let (train, holdout) = try routing()
        #expect(train.count >= 600 && holdout.count >= 200)
        let labels = try #require(DataCheck.run(train: train, holdout: holdout).labels)
        #expect((12...18).contains(labels.rows.count))
        #expect(labels.holdoutOnly.isEmpty && labels.trainOnly.isEmpty)
        let trainCounts = labels.rows.map(\.train)
        #expect(try #require(trainCounts.max()) <= 2 * (try #require(trainCounts.min())))
    }

    @Test func plantedExactDuplicateDifferingInCaseAndSpacesIsLeakage() throws {
        let (train, holdout) = try routing()
        let source = try #require(isolatedTrainingExamples(train, holdout).dropFirst(17).first)
        let copy = source.input.uppercased().replacingOccurrences(of: " ", with: "  \t")
        let planted = example("planted-exact", copy, source.output, line: holdout.count + 1)
        let report = DataCheck.run(train: train, holdout: holdout + [planted])
        #expect(report.leakageFound)
        #expect(report.exactLeaks.count == 1)
        #expect(report.nearLeaks.count == 0)
        let pair = try #require(report.exactLeaks.pairs.first)
        #expect(pair.firstID == source.id && pair.secondID == "planted-exact" && pair.secondLine == holdout.count + 1)
        #expect(pair.exact && pair.sameOutput && pair.similarity == 1)
    }

    @Test func plantedHoldoutLineWithOneWordChangedIsNearLeakage() throws {
        let (train, holdout, source) = try holdoutWithPlantedNearDuplicate()
        let report = DataCheck.run(train: train, holdout: holdout)
        #expect(report.leakageFound)
        #expect(report.exactLeaks.count == 0)
        #expect(report.nearLeaks.count == 1)
        let pair = try #require(report.nearLeaks.pairs.first)
        #expect(pair.firstID == source.id && pair.secondID == "planted-near")
        #expect(pair.similarity >= 0.8 && pair.similarity < 1 && !pair.exact)
        // A stricter threshold than the pair's similarity lets it pass.
        var strict = DataCheckOptions()
        strict.threshold = min(1, pair.similarity + 0.01)
        #expect(!DataCheck.run(train: train, holdout: holdout, options: strict).leakageFound)
    }

    @Test func nearDuplicateSearchFindsExactlyThePairsABruteForceSweepFinds() {
        // Small splits (under 20 texts) so no shingle is dropped as boilerplate.
        var generator = SplitMix(seed: 8)
        let vocabulary = ["refund", "order", "late"]
        func text() -> String {
            (0..<(3 + Int(generator.next() % 3))).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }
                .joined(separator: " ")
        }
        let train = (0..<18).map { example("t\($0)", text(), "x", line: $0 + 1) }
        let holdout = (0..<18).map { example("h\($0)", text(), "x", line: $0 + 1) }
        var options = DataCheckOptions()
        options.threshold = 0.3
        options.maximumListedPairs = 10_000
        let report = DataCheck.run(train: train, holdout: holdout, options: options)

        func shingles(_ text: String) -> Set<String> {
            let words = text.split(separator: " ").map(String.init)
            let width = min(3, words.count)
            return Set((0...(words.count - width)).map { words[$0..<($0 + width)].joined(separator: " ") })
        }
        var expectedExact = 0, expectedNear = Set<String>()
        for a in train {
            for b in holdout {
                if a.input == b.input { expectedExact += 1; continue }
                let x = shingles(a.input), y = shingles(b.input)
                let jaccard = Double(x.intersection(y).count) / Double(x.union(y).count)
                if jaccard >= 0.3 { expectedNear.insert("\(a.id)~\(b.id)") }
            }
        }
        #expect(report.exactLeaks.count == expectedExact)
        #expect(Set(report.nearLeaks.pairs.map { "\($0.firstID)~\($0.secondID)" }) == expectedNear)
        #expect(!expectedNear.isEmpty && expectedExact > 0)
    }

    @Test func labelBalanceAndLengthStatisticsOfASmallTable() throws {
        let train = [
            example("a1", "one", "alpha", line: 1),
            example("a2", "one two", "alpha", line: 2),
            example("a3", "one two three", "alpha", line: 3),
            example("b1", "one two three four", "beta", line: 4),
            example("c1", "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", "gamma", line: 5),
        ]
        let holdout = [
            example("a4", "seven", "alpha", line: 1),
            example("b2", "eight nine", "beta", line: 2),
            example("d1", "ten eleven twelve", "delta", line: 3),
        ]
        let report = DataCheck.run(train: train, holdout: holdout)
        let labels = try #require(report.labels)
        #expect(labels.rows == [
            .init(label: "alpha", train: 3, holdout: 1),
            .init(label: "beta", train: 1, holdout: 1),
            .init(label: "gamma", train: 1, holdout: 0),
            .init(label: "delta", train: 0, holdout: 1),
        ])
        #expect(labels.holdoutOnly == ["delta"])
        #expect(labels.trainOnly == ["gamma"])
        #expect(report.warnings.contains { $0.contains("never seen in train: delta") })
        // Words 1, 2, 3, 4, 10: median 3; p95 is the nearest rank ceil(0.95 · 5) = 5th value.
        #expect(report.train.inputWords == LengthSummary([1, 2, 3, 4, 10]))
        #expect(report.train.inputWords.min == 1 && report.train.inputWords.median == 3)
        #expect(report.train.inputWords.p95 == 10 && report.train.inputWords.max == 10)
        // Chars 3, 7, 13, 18, 30.
        #expect(report.train.inputChars.min == 3 && report.train.inputChars.median == 13 && report.train.inputChars.max == 30)
        // Holdout words 1, 2, 3: median 2; outputs one word each.
        #expect(report.holdout.inputWords.median == 2 && report.holdout.outputWords.max == 1)
        #expect(LengthSummary([4, 1, 3, 2]).median == 2.5)
        #expect(LengthSummary(Array(1...100)).p95 == 95)
    }

    @Test func longCompletionsAreNotTreatedAsLabels() {
        let train = [example("1", "question", "a reply of several words here", line: 1)]
        let holdout = [example("2", "another question", "short", line: 1)]
        #expect(DataCheck.run(train: train, holdout: holdout).labels == nil)
    }

    @Test func duplicatesWithinASplitAndEmptyFieldsWarnWithoutFailing() {
        let train = [
            example("1", "Where is my parcel?", "shipping_delay", line: 1),
            example("2", "where  is my PARCEL?", "shipping_delay", line: 2),
            example("3", "   ", "", line: 3),
        ]
        let holdout = [example("4", "Please cancel my order", "order_cancel", line: 1)]
        let report = DataCheck.run(train: train, holdout: holdout)
        #expect(!report.leakageFound)
        #expect(report.trainDuplicates.count == 1)
        #expect(report.trainDuplicates.pairs.first?.firstID == "1" && report.trainDuplicates.pairs.first?.secondID == "2")
        #expect(report.train.emptyInputs == ["3"] && report.train.emptyOutputs == ["3"])
        #expect(report.warnings.contains { $0.contains("train has 1 duplicate") })
        #expect(report.warnings.contains { $0.contains("empty inputs, first 3") })
    }

    @Test func corpusExamplesOfEveryShapeBecomeInputAndOutput() throws {
        let data = Data("""
            {"id": "p", "prompt": "Q?", "completion": "A."}

            {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "R"}]}
            {"text": "plain"}
            """.utf8)
        let examples = try ExampleParser.parse(data, path: "mixed.jsonl", purpose: .training).map(DataCheckExample.init)
        #expect(examples == [
            DataCheckExample(id: "p", input: "Q?", output: "A.", line: 1),
            DataCheckExample(id: "line:3", input: "system: S\nuser: U", output: "R", line: 3),
            DataCheckExample(id: "line:4", input: "plain", output: "", line: 4),
        ])
        let withReferences = Data(#"{"prompt": "Q?", "references": ["first", "second"]}"#.utf8)
        let scored = try ExampleParser.parse(withReferences, path: "refs.jsonl", purpose: .evaluation)
        #expect(scored.map(DataCheckExample.init) == [DataCheckExample(id: "line:1", input: "Q?", output: "first", line: 1)])
    }

    @Test func commandExitsZeroOnBundledDataOneOnLeakageTwoOnBadInput() throws {
        let folder = datasetsDirectory.appendingPathComponent("support-routing")
        let trainPath = folder.appendingPathComponent("train.jsonl").path
        let clean = try TollgateBinary.run(["data", "check", "--train", trainPath,
                                            "--holdout", folder.appendingPathComponent("holdout.jsonl").path])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("leakage: 0 exact, 0 near (word 3-gram Jaccard ≥ 0.80)"))
        #expect(clean.stdout.contains("PASS: no leakage"))

        let (_, leaky, source) = try holdoutWithPlantedNearDuplicate()
        let leakyURL = try writeJSONL(leaky, name: "holdout.jsonl")
        let failed = try TollgateBinary.run(["data", "check", "--train", trainPath, "--holdout", leakyURL.path])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("(\(source.id)) ~ \(leakyURL.path):\(leaky.count) (planted-near)"))
        #expect(failed.stdout.contains("FAIL: the holdout leaks into training"))

        let json = try TollgateBinary.run(["data", "check", "--json", "--train", trainPath, "--holdout", leakyURL.path])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["leakage_found"] as? Bool == true)
        #expect((object["near_leaks"] as? [String: Any])?["count"] as? Int == 1)

        let missing = try TollgateBinary.run(["data", "check", "--train", "/nonexistent/train.jsonl", "--holdout", leakyURL.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/train.jsonl"))
        #expect(missing.stdout.isEmpty)

        let badURL = try writeJSONL([], name: "bad.jsonl")
        try "{\"prompt\": \"a\", \"completion\": \"b\"}\nnot json\n".write(to: badURL, atomically: true, encoding: .utf8)
        let bad = try TollgateBinary.run(["data", "check", "--train", trainPath, "--holdout", badURL.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(badURL.path):2: the line is not valid JSON"))

        let usage = try TollgateBinary.run(["data", "check", "--train", trainPath, "--holdout", badURL.path, "--threshold", "1.5"])
        #expect(usage.status == 64)
    }
}

/// A tiny deterministic generator so the brute-force comparison sees the same texts every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB4_6331_14EB
        return z ^ (z >> 31)
    }
}
