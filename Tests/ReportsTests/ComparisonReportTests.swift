import Foundation
import Gate
import Reports
import Testing

private let comparison = ComparisonInput(
    title: "Q4_1 against Q8_0", evalSet: "capitals/holdout", systems: ["SmolLM2 Q8_0", "SmolLM2 Q4_1 | fast"],
    metrics: [ComparedMetric(metric: "bleu", scores: [
        SystemScore(value: 41.2, confidenceInterval: Interval(low: 39.5, high: 42.9)),
        SystemScore(value: 40.1, confidenceInterval: Interval(low: 38.2, high: 41.8), pValue: 0.04)])],
    serving: [ServingFigures(p50LatencySeconds: 0.8, p95LatencySeconds: 1.3, costPerThousandRequests: 0.03),
              ServingFigures(p50LatencySeconds: 0.5, p95LatencySeconds: 0.9, costPerThousandRequests: 0.02)],
    differingExamples: [ComparedExample(id: "cap-9", prompt: "Capital of Mali?", reference: "Bamako",
                                        outputs: ["Bamako", "![x](http://evil/x.png)"])])

@Test func comparisonPutsTheBaselineFirstWithDeltasAndPValues() {
    let markdown = ComparisonReport.markdown(comparison)
    let lines = markdown.split(separator: "\n")
    #expect(lines.contains("| metric | SmolLM2 Q8_0 | SmolLM2 Q4_1 \\| fast |"))
    #expect(lines.contains("| bleu | 41.20 (39.50 – 42.90) | 40.10 (38.20 – 41.80); −1.10, p = 0.040 |"))
    #expect(lines.contains("| p95 latency (s) | 1.30 | 0.900 |"))
    #expect(lines.contains("| cap-9 | Capital of Mali? | Bamako | Bamako | !\\[x\\](http&#58;//evil/x.png) |"))
    #expect(!markdown.contains("!["))
}

@Test func comparisonJSONReadsBack() throws {
    let json = try ComparisonReport.json(comparison)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    #expect(try decoder.decode(ComparisonInput.self, from: Data(json.utf8)) == comparison)
    #expect(json.contains("\"differing_examples\""))
}
