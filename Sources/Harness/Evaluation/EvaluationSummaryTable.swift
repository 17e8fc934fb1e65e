import Foundation

/// The text and JSON forms of an evaluation summary.
public enum EvaluationSummaryTable {
    public static func render(_ summary: EvaluationSummary) -> String {
        var lines: [String] = []
        let subject = summary.adapter.map { "\(summary.model) + \($0)" } ?? summary.model
        lines.append("evaluation \(summary.evaluationID) (run \(summary.runID)): \(subject) on \(summary.dataset)")
        lines.append("\(summary.examples) examples: \(summary.generated) generated, \(summary.reused) from cache or an earlier run")
        lines.append("")
        let nameWidth = max(6, summary.metrics.map(\.metric.count).max() ?? 0)
        lines.append(pad("metric", nameWidth) + "   score   95% CI")
        for metric in summary.metrics {
            let interval = metric.ciLow.flatMap { low in metric.ciHigh.map { String(format: "[%.2f, %.2f]", low, $0) } } ?? "-"
            lines.append(pad(metric.metric, nameWidth) + String(format: " %7.2f", metric.score) + "   " + interval)
        }
        lines.append("")
        if let tokens = summary.tokensPerSecond, let examples = summary.examplesPerSecond {
            lines.append(String(format: "throughput  %.1f tokens/s, %.2f examples/s", tokens, examples))
        } else {
            lines.append("throughput  nothing generated (every answer came from the store)")
        }
        if let p50 = summary.latencyP50, let p95 = summary.latencyP95 {
            lines.append(String(format: "latency     p50 %.3f s, p95 %.3f s per request", p50, p95))
        } else {
            lines.append("latency     not measured (every answer came from the cache)")
        }
        if let p50 = summary.timeToFirstTokenP50, let p95 = summary.timeToFirstTokenP95 {
            lines.append(String(format: "first token p50 %.3f s, p95 %.3f s", p50, p95))
        }
        if summary.isEndpoint {
            lines.append(summary.costPer1000Requests.map { String(format: "cost        $%.4f per 1,000 requests by the endpoint's prices", $0) }
                ?? "cost        unknown (no prices given, usage missing, or every answer cached)")
            lines.append(String(format: "errors      %d unanswered (error rate %.3f); %d cut at max tokens; %d without usage",
                                summary.failed, summary.errorRate, summary.truncated, summary.usageMissing))
        } else {
            lines.append(String(format: "cost        %.3f CPU-s per request; $%.4f per 1,000 requests at $%.3f per CPU-hour",
                                summary.cpuSecondsPerRequest, summary.costPer1000Requests ?? 0, summary.cpuHourPrice))
        }
        lines.append(String(format: "wall time   %.1f s", summary.wallSeconds))
        for metric in summary.metrics { lines.append("signature   \(metric.metric): \(metric.signature)") }
        return lines.joined(separator: "\n")
    }

    public static func json(_ summary: EvaluationSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
