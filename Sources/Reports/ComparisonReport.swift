import Foundation
import Gate

/// Input of `tollgate compare`: two or more systems (models, adapters or stored evaluations) on one
/// holdout with the same decoding; the first system is the baseline the paired tests compare with.
public struct ComparisonInput: Codable, Sendable, Equatable {
    public var title: String
    public var evalSet: String
    /// Display names, baseline first.
    public var systems: [String]
    public var metrics: [ComparedMetric]
    /// Latency and cost per system, in `systems` order (nil where not measured).
    public var serving: [ServingFigures?]
    /// Examples on which the systems' outputs differ.
    public var differingExamples: [ComparedExample]
    public var provenance: Provenance?

    public init(title: String, evalSet: String, systems: [String], metrics: [ComparedMetric],
                serving: [ServingFigures?] = [], differingExamples: [ComparedExample] = [], provenance: Provenance? = nil) {
        self.title = title
        self.evalSet = evalSet
        self.systems = systems
        self.metrics = metrics
        self.serving = serving
        self.differingExamples = differingExamples
        self.provenance = provenance
    }
}

/// One metric for every system, in `systems` order.
public struct ComparedMetric: Codable, Sendable, Equatable {
    public var metric: String
    public var scores: [SystemScore]

    public init(metric: String, scores: [SystemScore]) {
        self.metric = metric
        self.scores = scores
    }
}

public struct SystemScore: Codable, Sendable, Equatable {
    public var value: Double?
    public var confidenceInterval: Interval?
    /// Paired test against the baseline; nil for the baseline itself.
    public var pValue: Double?

    public init(value: Double?, confidenceInterval: Interval? = nil, pValue: Double? = nil) {
        self.value = value
        self.confidenceInterval = confidenceInterval
        self.pValue = pValue
    }
}

public struct ComparedExample: Codable, Sendable, Equatable {
    public var id: String
    public var prompt: String
    public var reference: String
    /// One output per system, in `systems` order.
    public var outputs: [String]

    public init(id: String, prompt: String, reference: String, outputs: [String]) {
        self.id = id
        self.prompt = prompt
        self.reference = reference
        self.outputs = outputs
    }
}

/// Side-by-side markdown and JSON for a comparison; text from models and data is escaped as in
/// `MarkdownReport`, and the page stays under its byte limit by listing fewer examples.
public enum ComparisonReport {
    public static func markdown(_ input: ComparisonInput) -> String {
        var examples = 20
        var text = render(input, maximumExamples: examples)
        while text.utf8.count > MarkdownReport.byteLimit && examples > 0 {
            examples /= 4
            text = render(input, maximumExamples: examples)
        }
        return text
    }

    public static func json(_ input: ComparisonInput) throws -> String {
        String(decoding: try JSONReport.encoder().encode(input), as: UTF8.self) + "\n"
    }

    private static func render(_ input: ComparisonInput, maximumExamples: Int) -> String {
        let systems = input.systems.map { esc($0, limit: 80) }
        var parts = ["# Comparison: \(esc(input.title))",
                     "Eval set \(esc(input.evalSet)). The baseline is \(systems.first ?? "—"); every other system is compared with it by a paired test on the same examples."]
        var table = ["| metric | " + systems.joined(separator: " | ") + " |",
                     "| --- |" + String(repeating: " ---: |", count: systems.count)]
        for metric in input.metrics {
            let baseline = metric.scores.first?.value
            let cells = input.systems.indices.map { index -> String in
                guard index < metric.scores.count, let score = metric.scores[index].value else { return "—" }
                var cell = formatValue(score)
                if let ci = metric.scores[index].confidenceInterval {
                    cell += " (\(formatValue(ci.low)) – \(formatValue(ci.high)))"
                }
                if index > 0, let baseline {
                    cell += "; \(signed(score - baseline))"
                    if let p = metric.scores[index].pValue { cell += ", " + esc(formatP(p)) }
                }
                return cell
            }
            table.append("| \(esc(metric.metric)) | " + cells.joined(separator: " | ") + " |")
        }
        parts.append("## Metrics\n\nScore (95% CI); for the other systems, the change from the baseline and its p-value.\n\n"
                     + table.joined(separator: "\n"))
        if input.serving.contains(where: { $0 != nil }) {
            var rows = ["| | " + systems.joined(separator: " | ") + " |", "| --- |" + String(repeating: " ---: |", count: systems.count)]
            let figure = { (index: Int, pick: (ServingFigures) -> Double?) -> String in
                index < input.serving.count ? value(input.serving[index].flatMap(pick)) : "—"
            }
            rows.append("| p50 latency (s) | " + input.systems.indices.map { figure($0, \.p50LatencySeconds) }.joined(separator: " | ") + " |")
            rows.append("| p95 latency (s) | " + input.systems.indices.map { figure($0, \.p95LatencySeconds) }.joined(separator: " | ") + " |")
            rows.append("| cost per 1,000 requests | " + input.systems.indices.map { figure($0, \.costPerThousandRequests) }.joined(separator: " | ") + " |")
            parts.append("## Latency and cost\n\n" + rows.joined(separator: "\n"))
        }
        parts.append(examples(input, systems: systems, maximum: maximumExamples))
        if let provenance = input.provenance {
            parts.append("## Provenance\n\nTollgate \(esc(provenance.toolVersion)), commit \(esc(provenance.gitCommit ?? "unknown")). To reproduce:\n\n"
                         + MarkdownEscaping.codeBlock(provenance.command, language: "sh"))
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    private static func examples(_ input: ComparisonInput, systems: [String], maximum: Int) -> String {
        let all = input.differingExamples
        guard !all.isEmpty else { return "## Examples where the systems differ (0)\n\nNone." }
        var rows = ["| id | prompt | reference | " + systems.joined(separator: " | ") + " |",
                    "| --- | --- | --- |" + String(repeating: " --- |", count: systems.count)]
        for example in all.prefix(maximum) {
            let outputs = input.systems.indices.map { $0 < example.outputs.count ? esc(example.outputs[$0], limit: 300) : "—" }
            rows.append("| \(esc(example.id, limit: 80)) | \(esc(example.prompt, limit: 300)) | \(esc(example.reference, limit: 300)) | "
                        + outputs.joined(separator: " | ") + " |")
        }
        var text = "## Examples where the systems differ (\(all.count))\n\n" + rows.joined(separator: "\n")
        if all.count > maximum { text += "\n\nShowing \(maximum) of \(all.count); the JSON report lists them all." }
        return text
    }
}
