import Corpus
import Foundation
import Reports
import Store

/// `tollgate prune` and an experiment's `privacy: {retain_text_days: N}`: removes the prompt,
/// output and reference text of predictions older than a cutoff, blanks the examples quoted in
/// stored reports, and deletes old cached generations, keeping what trends, drift checks and audits
/// need (see `TollgateStore.pruneText`).
public enum Retention {
    /// Prunes text in the store at `storePath` older than `days` days (0: everything finished so far).
    public static func prune(storePath: String, olderThanDays days: Int, experiment: String? = nil,
                             now: Date = Date()) throws -> PruneSummary {
        let store = try TollgateStore(path: storePath)
        return try prune(store: store, olderThanDays: days, experiment: experiment, now: now)
    }

    static func prune(store: TollgateStore, olderThanDays days: Int, experiment: String?, now: Date) throws -> PruneSummary {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        return try store.pruneText(before: cutoff, experiment: experiment, prunedAt: now, sha256: { SHA256.hex($0) },
                                   pruneReport: { body in
            do {
                return try JSONReport.render(try JSONReport.decode(Data(body.utf8)).prunedText(on: now))
            } catch {
                throw RetentionError.unreadableReport(store: store.path, reason: String(describing: error))
            }
        })
    }

    /// Paired tests and example diffs read outputs and references: an evaluation whose text was
    /// pruned cannot be compared again, and says so instead of comparing empty strings.
    static func requireText(_ evaluations: [(id: Int64, predictions: [PredictionRecord])], store: String) throws {
        for (id, predictions) in evaluations {
            if let date = predictions.compactMap(\.textPrunedAt).min() {
                throw RetentionError.textPruned(evaluation: id, store: store, date: ReportInput.prunedTextNote(date))
            }
        }
    }

    /// "30d" or "30" → 30; nil for anything else.
    public static func days(_ text: String) -> Int? {
        let digits = text.hasSuffix("d") ? String(text.dropLast()) : text
        guard let days = Int(digits), days >= 0, days <= 36_500 else { return nil }
        return days
    }

    /// One line for the CLI: what went and how much the file shrank.
    public static func describe(_ summary: PruneSummary, storePath: String) -> String {
        "pruned \(storePath): text of \(summary.predictions) predictions and \(summary.reports) reports removed, "
            + "\(summary.cachedGenerations) cached generations deleted; \(summary.bytesBefore) → \(summary.bytesAfter) bytes"
    }
}

public enum RetentionError: LocalizedError, Equatable {
    case unreadableReport(store: String, reason: String)
    case textPruned(evaluation: Int64, store: String, date: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadableReport(store, reason):
            return "a report in \(store) is not a Tollgate JSON report (\(reason)); nothing was pruned — "
                + "remove that report row or use the Tollgate version that wrote it"
        case let .textPruned(evaluation, store, note):
            return "evaluation \(evaluation) in \(store) has no outputs to compare \(note); "
                + "compare against a newer evaluation (baseline: base, or pin one within the retention period)"
        }
    }
}
