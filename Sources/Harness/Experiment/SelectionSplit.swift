import Corpus
import Foundation
import Metrics
import ModelIO

/// The validation set checkpoints are chosen on, when the experiment gives no `training.valid`:
/// a share of the training lines carved off before training, so the holdout the gate decides on
/// is never looked at while choosing. The carved lines are left out of the training data.
///
/// The split is a pure function of the training file's bytes, the fraction and the seed. When the
/// references form a small label set (`LabelSet`), it is stratified: every label gives
/// round(fraction × its count) lines, at least one and never all of them, so every label is
/// represented on both sides. Both files keep the training file's line order and are written
/// atomically into a `selection/` folder beside the adapter's (`runs/<experiment>/selection/` by default), so training and evaluation read JSONL as usual.
public struct SelectionSplit: Sendable, Equatable {
    /// The training lines that were kept, and the carved validation lines, as JSONL files.
    public var trainPath: String
    public var validPath: String
    public var trainSHA256: String
    public var validSHA256: String
    public var sourcePath: String
    public var sourceSHA256: String
    public var fraction: Double
    public var seed: UInt64
    /// True when carved per reference label.
    public var stratified: Bool
    public var trainCount: Int
    public var validCount: Int

    /// Carves `plan.data` into `<folder>/train.jsonl` and `<folder>/valid.jsonl`.
    public static func carve(plan: TrainingPlan, selection: SelectionPlan, folder: String) throws -> SelectionSplit {
        let source = try DatasetFile.load(path: plan.data, purpose: .training)
        if let text = source.examples.first(where: { $0.completion == nil }) {
            throw SelectionSplitError.unscorable(path: plan.data, line: text.line)
        }
        let lines = try rawLines(path: plan.data)
        let chosen = validationIndices(references: source.examples.map(\.references), fraction: selection.fraction,
                                       seed: UInt64(max(0, selection.seed)))
        guard chosen.indices.count < source.examples.count else {
            throw SelectionSplitError.tooFew(path: plan.data, examples: source.examples.count)
        }
        let validSet = Set(chosen.indices)
        var train: [String] = [], valid: [String] = []
        for (index, example) in source.examples.enumerated() {
            let line = lines[example.line - 1]
            if validSet.contains(index) { valid.append(line) } else { train.append(line) }
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let trainPath = (folder as NSString).appendingPathComponent("train.jsonl")
        let validPath = (folder as NSString).appendingPathComponent("valid.jsonl")
        let trainText = train.joined(separator: "\n") + "\n", validText = valid.joined(separator: "\n") + "\n"
        try write(trainText, to: trainPath)
        try write(validText, to: validPath)
        return SelectionSplit(trainPath: trainPath, validPath: validPath, trainSHA256: hex(trainText),
                              validSHA256: hex(validText), sourcePath: plan.data, sourceSHA256: source.sha256,
                              fraction: selection.fraction, seed: UInt64(max(0, selection.seed)),
                              stratified: chosen.stratified, trainCount: train.count, validCount: valid.count)
    }

    /// Indices (into the examples) of the validation share, ascending. Stratified by the first
    /// reference when the references form a small label set.
    static func validationIndices(references: [[String]], fraction: Double, seed: UInt64) -> (indices: [Int], stratified: Bool) {
        var rng = Xoshiro256(seed: seed)
        func draw(_ group: [Int], count: Int) -> [Int] {
            var pool = group
            for position in stride(from: pool.count - 1, to: 0, by: -1) {   // Fisher–Yates
                pool.swapAt(position, rng.index(below: position + 1))
            }
            return Array(pool.prefix(count))
        }
        guard LabelSet.detect(references, normalize: .strip) != nil else {
            let count = max(1, Int((fraction * Double(references.count)).rounded()))
            return (draw(Array(references.indices), count: count).sorted(), false)
        }
        var groups: [String: [Int]] = [:]
        for (index, golds) in references.enumerated() {
            groups[AnswerNormalization.strip.normalizedString(golds[0]), default: []].append(index)
        }
        var chosen: [Int] = []
        for label in groups.keys.sorted() {
            let group = groups[label]!
            let count = min(group.count - 1, max(1, Int((fraction * Double(group.count)).rounded())))
            chosen += draw(group, count: count)
        }
        return (chosen.sorted(), true)
    }

    /// The file's lines as written (a final "\r" dropped), for copying examples byte for byte.
    private static func rawLines(path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CorpusError.cannotRead(path: path, reason: "it cannot be read")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
    }

    private static func write(_ text: String, to path: String) throws {
        do {
            let writer = try AtomicFileWriter(url: URL(fileURLWithPath: path))
            try writer.write(Array(text.utf8))
            try writer.commit()
        } catch let error as GGUFError {
            throw SelectionSplitError.unwritable(path: path, reason: error.problem)
        }
    }

    private static func hex(_ text: String) -> String {
        var hasher = Corpus.SHA256()
        hasher.update(Data(text.utf8))
        return hasher.finalizeHex()
    }
}

public enum SelectionSplitError: LocalizedError, Equatable {
    case unscorable(path: String, line: Int)
    case tooFew(path: String, examples: Int)
    case unwritable(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unscorable(path, line):
            return "\(path):\(line) is a text example, which cannot be scored, so no validation split can be carved from "
                + "training.data; give training.valid with prompt/completion or messages examples, or checkpoints: {choose: last}"
        case let .tooFew(path, examples):
            return "\(path) has \(examples) examples, too few to carve a validation split and still train; add examples, "
                + "give training.valid, or lower training.selection.fraction"
        case let .unwritable(path, reason):
            return "cannot write the validation split \(path): \(reason); make the runs/ folder writable"
        }
    }
}
