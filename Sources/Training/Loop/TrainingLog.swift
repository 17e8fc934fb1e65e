import Foundation

/// The JSON-lines training log (one object per optimizer step) and the live line the CLI prints.
public final class TrainingLog {
    public let url: URL
    public private(set) var entries: [TrainingProgress] = []
    private let handle: FileHandle

    /// Opens (appending, so a resumed run continues the same log) or creates the log file.
    public init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw TrainingError.io(path: url.path, reason: "cannot create the training log; check the --out directory")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw TrainingError.io(path: url.path, reason: "cannot open the training log for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func append(_ progress: TrainingProgress) {
        entries.append(progress)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let data = try? encoder.encode(progress) { handle.write(data + Data("\n".utf8)) }
    }

    /// The steps of a log file in step order; when a resumed run logged a step twice, the later
    /// entry wins. Lines that do not decode (a line cut short by a kill) are skipped.
    public static func read(_ url: URL) -> [TrainingProgress] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var byStep: [Int: TrainingProgress] = [:]
        for line in text.split(separator: "\n") {
            if let entry = try? decoder.decode(TrainingProgress.self, from: Data(line.utf8)) { byStep[entry.step] = entry }
        }
        return byStep.keys.sorted().map { byStep[$0]! }
    }

    /// "step 12/100  loss 2.3456  lr 1.00e-04  512 tok/s  ETA 1:23" (+ validation loss, checkpoint).
    public static func line(_ p: TrainingProgress) -> String {
        let eta = Int(p.etaSeconds.rounded())
        var text = String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %d:%02d",
                          p.step, p.totalSteps, p.loss, p.learningRate, p.tokensPerSecond, eta / 60, eta % 60)
        if let validation = p.validationLoss { text += String(format: "  valid loss %.4f", validation) }
        if p.checkpoint != nil { text += "  (checkpoint)" }
        return text
    }
}
