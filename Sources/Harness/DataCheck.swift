import Foundation

/// Settings of the data check; the defaults are what `tollgate data check` uses.
public struct DataCheckOptions: Sendable, Equatable {
    /// Words per shingle for the near-duplicate search (word 3-grams).
    public var shingleWords = 3
    /// Jaccard similarity of two inputs' shingle sets at or above which they are near duplicates.
    /// 0.8 catches a sentence with a word or two changed and leaves different phrasings alone.
    public var threshold = 0.8
    /// Shingles present in more than this fraction of a split's examples are boilerplate (the
    /// instruction line every prompt shares) and are ignored by the near-duplicate search.
    public var boilerplateFraction = 0.5
    /// Completions are treated as class labels when every one has at most this many words…
    public var labelMaximumWords = 3
    /// …and there are at most this many distinct ones (and at most one per two examples).
    public var labelMaximumDistinct = 200
    /// Pairs listed per finding (the counts are always complete).
    public var maximumListedPairs = 50

    public init() {}
}

/// Checks a train/holdout pair for leakage, duplicates, label balance, lengths and empty fields.
public enum DataCheck {
    /// Reads both JSONL files and checks them; throws `CorpusError` for unreadable input.
    public static func run(train trainURL: URL, holdout holdoutURL: URL,
                           options: DataCheckOptions = DataCheckOptions()) throws -> DataCheckReport {
        let train = try DataCheckReader.read(trainURL, purpose: .training)
        let holdout = try DataCheckReader.read(holdoutURL, purpose: .evaluation)
        var report = run(train: train, holdout: holdout, options: options)
        report.trainFile = trainURL.relativePath
        report.holdoutFile = holdoutURL.relativePath
        return report
    }

    public static func run(train: [DataCheckExample], holdout: [DataCheckExample],
                           options: DataCheckOptions = DataCheckOptions()) -> DataCheckReport {
        let shingles = ShingleSets.make(groups: [train.map(\.input), holdout.map(\.input)],
                                        n: options.shingleWords, boilerplateFraction: options.boilerplateFraction)
        let trainSide = Side(examples: train, shingles: shingles[0])
        let holdoutSide = Side(examples: holdout, shingles: shingles[1])
        let (exactLeaks, nearLeaks) = duplicates(trainSide, holdoutSide, options)
        let (trainExact, trainNear) = duplicates(trainSide, nil, options)
        let (holdoutExact, holdoutNear) = duplicates(holdoutSide, nil, options)
        var report = DataCheckReport(
            trainFile: nil, holdoutFile: nil,
            shingleWords: options.shingleWords, threshold: options.threshold,
            train: summary(train), holdout: summary(holdout),
            exactLeaks: exactLeaks, nearLeaks: nearLeaks,
            trainDuplicates: merged(trainExact, trainNear, options),
            holdoutDuplicates: merged(holdoutExact, holdoutNear, options),
            labels: labelBalance(train, holdout, options), warnings: [],
            leakageFound: exactLeaks.count + nearLeaks.count > 0)
        report.warnings = warnings(report)
        return report
    }

    /// Lower-cased with runs of whitespace collapsed to one space: the key for exact duplicates.
    public static func normalised(_ text: String) -> String {
        text.lowercased().unicodeScalars.split(whereSeparator: ShingleSets.isSpaceScalar)
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
    }

    /// Exact and near duplicate pairs between `first` and `second`, or within `first` when
    /// `second` is nil. A pair that is exact is not listed again as near.
    /// One split with what the duplicate search needs, computed once.
    struct Side {
        var examples: [DataCheckExample]
        var shingles: ShingleSets
        /// `normalised` input and output of each example.
        var inputKeys: [String]
        var outputKeys: [String]

        init(examples: [DataCheckExample], shingles: ShingleSets) {
            self.examples = examples
            self.shingles = shingles
            inputKeys = examples.map { DataCheck.normalised($0.input) }
            outputKeys = examples.map { DataCheck.normalised($0.output) }
        }
    }

    static func duplicates(_ first: Side, _ second: Side?,
                           _ options: DataCheckOptions) -> (exact: PairList, near: PairList) {
        let other = second ?? first
        var byText: [String: [Int]] = [:]
        for (index, key) in first.inputKeys.enumerated() { byText[key, default: []].append(index) }
        func pair(_ i: Int, _ j: Int, _ similarity: Double, exact: Bool) -> DuplicatePair {
            let a = first.examples[i], b = other.examples[j]
            return DuplicatePair(firstID: a.id, firstLine: a.line, secondID: b.id, secondLine: b.line,
                                 similarity: similarity, exact: exact, sameOutput: first.outputKeys[i] == other.outputKeys[j])
        }
        var exact: [DuplicatePair] = []
        var exactKeys = Set<[Int]>()
        for (j, key) in other.inputKeys.enumerated() {
            for i in byText[key] ?? [] where second != nil || i < j {
                exact.append(pair(i, j, 1, exact: true))
                exactKeys.insert([i, j])
            }
        }
        var near: [DuplicatePair] = []
        for (i, j, similarity) in first.shingles.similarPairs(to: second?.shingles, threshold: options.threshold)
        where !exactKeys.contains([i, j]) {
            near.append(pair(i, j, similarity, exact: false))
        }
        near.sort { ($0.similarity, $1.firstLine) > ($1.similarity, $0.firstLine) }
        return (PairList(count: exact.count, pairs: Array(exact.prefix(options.maximumListedPairs))),
                PairList(count: near.count, pairs: Array(near.prefix(options.maximumListedPairs))))
    }

    static func merged(_ exact: PairList, _ near: PairList, _ options: DataCheckOptions) -> PairList {
        PairList(count: exact.count + near.count, pairs: Array((exact.pairs + near.pairs).prefix(options.maximumListedPairs)))
    }

    static func summary(_ examples: [DataCheckExample]) -> SplitSummary {
        func words(_ text: String) -> Int { ShingleSets.whitespaceTokenCount(text) }
        func blank(_ text: String) -> Bool { text.unicodeScalars.allSatisfy(ShingleSets.isSpaceScalar) }
        return SplitSummary(
            examples: examples.count,
            inputWords: LengthSummary(examples.map { words($0.input) }),
            inputChars: LengthSummary(examples.map { $0.input.count }),
            outputWords: LengthSummary(examples.map { words($0.output) }),
            outputChars: LengthSummary(examples.map { $0.output.count }),
            emptyInputs: examples.filter { blank($0.input) }.map(\.id),
            emptyOutputs: examples.filter { blank($0.output) }.map(\.id))
    }

    /// Counts per label when the completions look like class labels (short, few distinct values).
    static func labelBalance(_ train: [DataCheckExample], _ holdout: [DataCheckExample],
                             _ options: DataCheckOptions) -> LabelBalance? {
        let all = train + holdout
        let isLabel: (DataCheckExample) -> Bool = {
            let words = ShingleSets.whitespaceTokenCount($0.output)
            return words >= 1 && words <= options.labelMaximumWords
        }
        guard all.allSatisfy(isLabel) else { return nil }
        let label: (DataCheckExample) -> String = { $0.output.trimmingCharacters(in: .whitespacesAndNewlines) }
        var trainCounts: [String: Int] = [:], holdoutCounts: [String: Int] = [:]
        for example in train { trainCounts[label(example), default: 0] += 1 }
        for example in holdout { holdoutCounts[label(example), default: 0] += 1 }
        let labels = Set(trainCounts.keys).union(holdoutCounts.keys)
        // Labels repeat: when most completions are unique they are answers, not classes.
        guard labels.count <= options.labelMaximumDistinct, labels.count * 2 <= all.count else { return nil }
        let rows = labels.map { LabelBalance.Row(label: $0, train: trainCounts[$0] ?? 0, holdout: holdoutCounts[$0] ?? 0) }
            .sorted { ($1.train, $0.label) < ($0.train, $1.label) }
        return LabelBalance(rows: rows,
                            holdoutOnly: rows.filter { $0.train == 0 }.map(\.label),
                            trainOnly: rows.filter { $0.holdout == 0 }.map(\.label))
    }

    static func warnings(_ report: DataCheckReport) -> [String] {
        var warnings: [String] = []
        for (name, split, duplicates) in [("train", report.train, report.trainDuplicates),
                                          ("holdout", report.holdout, report.holdoutDuplicates)] {
            if duplicates.count > 0 {
                warnings.append("\(name) has \(duplicates.count) duplicate or near-duplicate pairs of inputs")
            }
            if !split.emptyInputs.isEmpty {
                warnings.append("\(name) has \(split.emptyInputs.count) empty inputs, first \(split.emptyInputs[0])")
            }
            if !split.emptyOutputs.isEmpty {
                warnings.append("\(name) has \(split.emptyOutputs.count) empty outputs, first \(split.emptyOutputs[0])")
            }
        }
        if let labels = report.labels {
            if !labels.holdoutOnly.isEmpty {
                warnings.append("holdout labels never seen in train: \(labels.holdoutOnly.joined(separator: ", "))")
            }
            if !labels.trainOnly.isEmpty {
                warnings.append("train labels never tested by the holdout: \(labels.trainOnly.joined(separator: ", "))")
            }
            let trainCounts = labels.rows.map(\.train).filter { $0 > 0 }
            if let most = trainCounts.max(), let least = trainCounts.min(), most > 10 * least {
                warnings.append("train labels are unbalanced: the most frequent has \(most) examples, the least \(least)")
            }
        }
        return warnings
    }
}
