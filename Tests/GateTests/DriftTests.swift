import Gate
import Testing

private func run(_ id: String, _ verdict: Verdict?, bleu: Double) -> RunMetrics {
    RunMetrics(runId: id, verdict: verdict, values: [MetricValue(evalSet: "holdout", metric: "bleu", value: bleu)])
}

@Test func driftComparesWithPinnedAndMedianOfLastGoRuns() throws {
    let history = [run("r1", .go, bleu: 10), run("r2", .go, bleu: 40), run("r3", .noGo, bleu: 1),
                   run("r4", .go, bleu: 30), run("r5", .go, bleu: 34), run("r6", nil, bleu: 99)]
    let report = computeDrift(tonight: run("r7", nil, bleu: 33), pinned: run("p", .go, bleu: 35),
                              history: history, recentGoLimit: 3)
    #expect(report.recentGoRunIds == ["r2", "r4", "r5"])
    let entry = try #require(report.entries.first)
    #expect(entry.pinned == 35)
    #expect(entry.changeFromPinned == -2)
    #expect(entry.recentGoMedian == 34)
    #expect(entry.changeFromRecentGoMedian == -1)
    #expect(entry.recentGoCount == 3)
}

@Test func medianOfEvenCountAveragesTheMiddleTwo() {
    #expect(median([4, 1, 3, 2]) == 2.5)
    #expect(median([5]) == 5)
    #expect(median([]) == nil)
}

@Test func driftWithoutHistoryHasNoMedianAndGatesAsMissingBaseline() {
    let report = computeDrift(tonight: run("t", nil, bleu: 20), pinned: nil, history: [], recentGoLimit: 5)
    #expect(report.entries.first?.recentGoMedian == nil)
    let decision = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 1)])
        .decide(comparisons: report.comparisons(againstRecentGoMedian: true))
    #expect(decision.verdict == .noGo)
    #expect(decision.outcomes.map(\.check) == [.baseline])
}

@Test func driftFeedsTheSameRulesAsTheGate() {
    let history = [run("a", .go, bleu: 40), run("b", .go, bleu: 42), run("c", .go, bleu: 41)]
    let report = computeDrift(tonight: run("t", nil, bleu: 38.5), pinned: nil, history: history, recentGoLimit: 5)
    let decision = GatePolicy(rules: [MetricRule(metric: "bleu", maxDrop: 2)])
        .decide(comparisons: report.comparisons(againstRecentGoMedian: true))
    #expect(decision.verdict == .noGo)
    #expect(decision.why == "bleu on holdout fell 2.50 points (41.00 → 38.50), more than the 2.00 allowed.")
}

@Test func flakyExamplesCountFlipsAndSkipRunsWithoutTheExample() {
    let runs = [ExampleOutcomes(runId: "1", passed: ["a": true, "b": true, "c": true, "d": false]),
                ExampleOutcomes(runId: "2", passed: ["a": false, "b": true, "c": true]),
                ExampleOutcomes(runId: "3", passed: ["a": true, "b": true, "c": false, "d": false]),
                ExampleOutcomes(runId: "4", passed: ["a": false, "b": true, "d": true])]
    let flaky = findFlakyExamples(runs: runs)
    #expect(flaky.map(\.exampleId) == ["a", "c", "d"])
    #expect(flaky.map(\.flips) == [3, 1, 1])
    #expect(flaky[1].history == [true, true, false, nil])
    #expect(findFlakyExamples(runs: runs, minimumFlips: 2).map(\.exampleId) == ["a"])
}
