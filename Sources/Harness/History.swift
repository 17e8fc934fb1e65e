import Foundation
import Reports
import Store

/// What `tollgate history` shows: runs with their evaluations, or one evaluation in detail.
public enum History {
    /// Runs, newest first, each with its evaluations and their headline metrics.
    public static func runs(storePath: String, limit: Int) throws -> String {
        let store = try TollgateStore(path: storePath)
        let runs = try store.runs(limit: limit)
        guard !runs.isEmpty else { return "no runs in \(storePath) yet" }
        var lines = ["run  kind   status     started              experiment"]
        let overviews = try store.evaluationOverviews(runID: nil, limit: max(200, limit * 4))
        for run in runs {
            lines.append(pad("\(run.id ?? 0)", 4) + " " + pad(run.kind, 6) + " " + pad(run.status.rawValue, 10) + " "
                         + timestamp(run.startedAt) + "  " + (run.experiment ?? "-"))
            for overview in overviews where overview.evaluation.runID == run.id {
                let metrics = try store.metrics(evaluationID: overview.evaluation.id!)
                    .filter { !$0.metric.contains("_") }
                    .map { $0.metric + String(format: " %.2f", $0.value) }
                    .joined(separator: ", ")
                let subject = overview.adapter.map { "\(name(overview.model.path)) + \(name($0.path))" } ?? name(overview.model.path)
                lines.append("     evaluation \(overview.evaluation.id!): \(subject) on \(overview.dataset.name)/\(overview.dataset.split), "
                             + "\(overview.predictionCount) examples, \(overview.evaluation.status.rawValue)"
                             + (metrics.isEmpty ? "" : "; \(metrics)"))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One evaluation: every metric row and its worst examples by `metric`.
    public static func evaluation(storePath: String, id: Int64, metric: String?, worst: Int) throws -> String {
        let store = try TollgateStore(path: storePath)
        guard let evaluation = try store.evaluation(id: id) else {
            throw StoreError.missingRow(path: storePath, table: "evaluation", id: id)
        }
        let metrics = try store.metrics(evaluationID: id)
        var lines = ["evaluation \(id) (run \(evaluation.runID)), \(evaluation.status.rawValue), decoding \(evaluation.decodingJSON)", ""]
        for row in metrics {
            let interval = row.ciLow.flatMap { low in row.ciHigh.map { String(format: "  [%.2f, %.2f]", low, $0) } } ?? ""
            lines.append(pad(row.metric, 24) + String(format: " %10.4f", row.value) + interval)
        }
        let quality = metrics.map(\.metric).filter { !$0.contains("_") }
        guard let ranking = metric ?? quality.first else { return lines.joined(separator: "\n") }
        lines.append("")
        lines.append("worst \(worst) examples by \(ranking):")
        for prediction in try store.worstPredictions(evaluationID: id, metric: ranking, limit: worst) {
            let score = prediction.scores[ranking].map { String(format: "%.2f", $0) } ?? "-"
            lines.append("  #\(prediction.exampleIndex) \(prediction.exampleID ?? "") \(ranking)=\(score)")
            if let pruned = prediction.textPrunedAt {
                lines.append("    " + ReportInput.prunedTextNote(pruned))
                continue
            }
            lines.append("    output:    \(oneLine(prediction.output))")
            lines.append("    reference: \(oneLine(prediction.references.first ?? ""))")
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// A GGUF by its file name; an endpoint (`endpoint NAME: MODEL at URL`) as it is.
    private static func name(_ path: String) -> String {
        path.hasPrefix("endpoint ") ? path : URL(fileURLWithPath: path).lastPathComponent
    }

    private static func oneLine(_ text: String, limit: Int = 160) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "⏎")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
