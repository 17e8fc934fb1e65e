import Foundation

/// Everything `tollgate data check` found about a train/holdout pair. Leakage (an input of the
/// holdout that also appears, exactly or nearly, in training) fails the check; the rest are
/// statistics and warnings.
public struct DataCheckReport: Codable, Sendable, Equatable {
    public var trainFile: String?
    public var holdoutFile: String?
    public var shingleWords: Int
    public var threshold: Double
    public var train: SplitSummary
    public var holdout: SplitSummary
    /// Holdout inputs equal to a training input after lower-casing and collapsing whitespace.
    public var exactLeaks: PairList
    /// Holdout inputs whose word-shingle Jaccard similarity to a training input is ≥ `threshold`.
    public var nearLeaks: PairList
    /// Exact and near duplicates inside each split (warnings: they skew training or scoring).
    public var trainDuplicates: PairList
    public var holdoutDuplicates: PairList
    /// Present when every completion is short enough to be a class label.
    public var labels: LabelBalance?
    public var warnings: [String]
    /// True when `exactLeaks` or `nearLeaks` is non-empty: the check fails.
    public var leakageFound: Bool
}

/// A pair of examples that look alike: `first` is from training for cross-split pairs.
public struct DuplicatePair: Codable, Sendable, Equatable {
    public var firstID: String
    public var firstLine: Int
    public var secondID: String
    public var secondLine: Int
    /// 1 for exact duplicates, else the shingle Jaccard similarity.
    public var similarity: Double
    public var exact: Bool
    public var sameOutput: Bool
}

/// How many pairs there are, with the first few (capped so a file of copies cannot flood a report).
public struct PairList: Codable, Sendable, Equatable {
    public var count: Int
    public var pairs: [DuplicatePair]
}

public struct SplitSummary: Codable, Sendable, Equatable {
    public var examples: Int
    public var inputWords: LengthSummary
    public var inputChars: LengthSummary
    public var outputWords: LengthSummary
    public var outputChars: LengthSummary
    /// ids of examples whose input or output is empty or only whitespace.
    public var emptyInputs: [String]
    public var emptyOutputs: [String]
}

/// min / median / 95th percentile (nearest rank) / max of a list of lengths.
public struct LengthSummary: Codable, Sendable, Equatable {
    public var min: Int
    public var median: Double
    public var p95: Int
    public var max: Int

    public init(_ lengths: [Int]) {
        let sorted = lengths.sorted()
        guard let first = sorted.first, let last = sorted.last else {
            self.min = 0; self.median = 0; self.p95 = 0; self.max = 0
            return
        }
        let middle = sorted.count / 2
        self.min = first
        self.max = last
        self.median = sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
        let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
        self.p95 = sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}

public struct LabelBalance: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var label: String
        public var train: Int
        public var holdout: Int

        public init(label: String, train: Int, holdout: Int) {
            self.label = label
            self.train = train
            self.holdout = holdout
        }
    }
    /// Sorted by training count, most frequent first, then by label.
    public var rows: [Row]
    /// Labels the holdout asks for that training never shows.
    public var holdoutOnly: [String]
    /// Labels that appear in training but are never tested.
    public var trainOnly: [String]
}

extension DataCheckReport {
    /// The report as plain text, one finding a line, for a terminal or a CI log.
    public func rendered() -> String {
        var lines: [String] = []
        let train = trainFile ?? "train", holdout = holdoutFile ?? "holdout"
        lines.append("train   \(train): \(self.train.examples) examples")
        lines.append("holdout \(holdout): \(self.holdout.examples) examples")
        lines.append("")
        let method = "word \(shingleWords)-gram Jaccard ≥ \(formatted(threshold))"
        lines.append("leakage: \(exactLeaks.count) exact, \(nearLeaks.count) near (\(method))")
        for pair in exactLeaks.pairs + nearLeaks.pairs {
            lines.append("  " + describe(pair, first: train, second: holdout))
        }
        lines.append("duplicates within train: \(trainDuplicates.count), within holdout: \(holdoutDuplicates.count)")
        for pair in trainDuplicates.pairs.prefix(5) { lines.append("  " + describe(pair, first: train, second: train)) }
        for pair in holdoutDuplicates.pairs.prefix(5) { lines.append("  " + describe(pair, first: holdout, second: holdout)) }
        lines.append("")
        lines.append("lengths (words min/median/p95/max, chars min/median/p95/max)")
        for (name, split) in [("train", self.train), ("holdout", self.holdout)] {
            lines.append("  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) input  \(row(split.inputWords)), \(row(split.inputChars))")
            lines.append("           output \(row(split.outputWords)), \(row(split.outputChars))")
        }
        if let labels {
            lines.append("")
            lines.append("labels (\(labels.rows.count)): train / holdout")
            let width = labels.rows.map(\.label.count).max() ?? 0
            for row in labels.rows {
                lines.append("  \(row.label.padding(toLength: width, withPad: " ", startingAt: 0))  \(row.train) / \(row.holdout)")
            }
        }
        if !warnings.isEmpty {
            lines.append("")
            lines.append(contentsOf: warnings.map { "warning: \($0)" })
        }
        lines.append("")
        lines.append(leakageFound ? "FAIL: the holdout leaks into training" : "PASS: no leakage between train and holdout")
        return lines.joined(separator: "\n")
    }

    private func describe(_ pair: DuplicatePair, first: String, second: String) -> String {
        let kind = pair.exact ? "exact" : "near " + String(format: "%.2f", pair.similarity)
        let output = pair.sameOutput ? "same output" : "different output"
        return "\(kind): \(first):\(pair.firstLine) (\(pair.firstID)) ~ \(second):\(pair.secondLine) (\(pair.secondID)), \(output)"
    }

    private func row(_ summary: LengthSummary) -> String {
        "\(summary.min)/\(formatted(summary.median))/\(summary.p95)/\(summary.max)"
    }

    private func formatted(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
