import Gate
import Metrics

/// Per-label precision, recall and F1 of baseline and candidate on a classification eval set
/// (references from a small label set), for the report's per-label table and confusions.
public struct LabelComparison: Codable, Sendable, Equatable {
    public var baseline: ClassificationReport
    public var candidate: ClassificationReport

    public init(baseline: ClassificationReport, candidate: ClassificationReport) {
        self.baseline = baseline
        self.candidate = candidate
    }

    /// How many confusions the report lists.
    public static let shownConfusions = 5

    /// Markdown: a row per label (baseline → candidate precision, recall, F1 in percent, support),
    /// then the candidate's most frequent confusions.
    func markdown(heading: String) -> String {
        var rows = ["| label | support | precision | recall | F1 | F1 change |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for (before, after) in zip(baseline.labels, candidate.labels) {
            func pair(_ a: Double, _ b: Double) -> String { "\(formatValue(100 * a)) → \(formatValue(100 * b))" }
            rows.append("| \(esc(after.label, limit: 80)) | \(after.support) | \(pair(before.precision, after.precision)) | "
                + "\(pair(before.recall, after.recall)) | \(pair(before.f1, after.f1)) | \(signed(100 * (after.f1 - before.f1))) |")
        }
        var parts = ["\(heading) Per-label scores", "Baseline → candidate, in percent; macro F1 \(formatValue(100 * baseline.macroF1)) → "
            + "\(formatValue(100 * candidate.macroF1)) (the mean over the \(candidate.labels.count) reference labels; an answer outside them "
            + "counts against its reference's recall).", rows.joined(separator: "\n")]
        let confusions = candidate.confusions.prefix(Self.shownConfusions)
        if !confusions.isEmpty {
            var table = ["| reference | candidate answered | count |", "| --- | --- | ---: |"]
            for confusion in confusions {
                let answer = confusion.predicted.isEmpty ? "(empty)" : confusion.predicted
                table.append("| \(esc(confusion.reference, limit: 80)) | \(esc(answer, limit: 80)) | \(confusion.count) |")
            }
            parts.append("\(heading)# The candidate's \(confusions.count) largest confusions\n\n" + table.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n")
    }
}
