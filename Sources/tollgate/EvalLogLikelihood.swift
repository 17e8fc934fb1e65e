import ArgumentParser
import Foundation
import Harness
import Reports

/// `tollgate eval --kind multiple_choice|perplexity`: log-likelihood scoring instead of generation.
extension Eval {
    /// The eval set's kind, or nil for generation (the default).
    func logLikelihoodKind() throws -> LogLikelihoodSet.Kind? {
        if kind == "generation" { return nil }
        guard let parsed = LogLikelihoodSet.Kind(rawValue: kind) else {
            throw ValidationError("--kind must be generation, multiple_choice or perplexity.")
        }
        return parsed
    }

    func validateLogLikelihood() throws {
        guard try logLikelihoodKind() != nil else {
            if truncateContext != nil { throw ValidationError("--truncate-context applies to --kind multiple_choice.") }
            return
        }
        if endpoint.endpoint != nil && kind == "perplexity" {
            throw ValidationError("--kind perplexity scores a local --model; an --endpoint scores multiple_choice sets.")
        }
        if let truncateContext, ContextTruncation(rawValue: truncateContext) == nil {
            throw ValidationError("--truncate-context must be left (cut contexts from the left, as lm-eval does).")
        }
    }

    func runLogLikelihood(_ kind: LogLikelihoodSet.Kind) throws {
        var request = endpoint.config().map { LogLikelihoodRequest(endpoint: $0, dataPath: data, kind: kind) }
            ?? LogLikelihoodRequest(modelPath: model ?? "", adapterPath: adapter, dataPath: data, kind: kind)
        request.storePath = store
        request.limit = limit
        request.truncation = truncateContext.flatMap(ContextTruncation.init(rawValue:))
        let bar = ProgressLine(label: "eval")
        let summary = try reportingInvalidInput {
            try LogLikelihoodEvaluator.run(request) { bar.update(done: $0, total: $1, note: "") }
        }
        bar.finish()
        printOutput(LogLikelihoodTable.render(summary))
        if let json {
            try reportingInvalidInput {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try ReportFile.write(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n", to: json)
            }
        }
    }
}

/// The plain-text summary of a log-likelihood evaluation.
enum LogLikelihoodTable {
    static func render(_ summary: LogLikelihoodSummary) -> String {
        var lines = ["\(summary.dataset): \(summary.examples) \(summary.kind == .multipleChoice ? "items" : "texts"), "
                     + "model \(summary.model)\(summary.adapter.map { " + \($0)" } ?? "")"]
        for metric in summary.metrics {
            let interval = metric.ciLow.map { low in String(format: " (95%% CI %.1f–%.1f)", low, metric.ciHigh ?? low) } ?? ""
            let value = summary.kind == .multipleChoice ? String(format: "%.1f", metric.score) : String(format: "%.4f", metric.score)
            lines.append("  \(metric.metric.padding(toLength: 17, withPad: " ", startingAt: 0))\(value)\(interval)")
        }
        lines.append(String(format: "  scored %d context tokens once and %d continuation tokens in %.1f s (%.0f continuation tokens/s)",
                            summary.contextTokens, summary.continuationTokens, summary.scoringSeconds,
                            summary.continuationTokensPerSecond))
        if let truncation = summary.truncation { lines.append("  contexts truncated: \(truncation)") }
        lines.append("  evaluation \(summary.evaluationID) stored")
        return lines.joined(separator: "\n")
    }
}
