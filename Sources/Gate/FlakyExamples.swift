/// Which examples one run got right (by the run's own per-example criterion, e.g. exact match or
/// sentence score above a threshold), keyed by example id.
public struct ExampleOutcomes: Codable, Sendable, Equatable {
    public var runId: String
    public var passed: [String: Bool]

    public init(runId: String, passed: [String: Bool]) {
        self.runId = runId
        self.passed = passed
    }
}

/// An example whose outcome changed between runs, so a steady suite average cannot hide it.
public struct FlakyExample: Codable, Sendable, Equatable {
    public var exampleId: String
    /// The outcome in each run, oldest first; nil where the run did not score the example.
    public var history: [Bool?]
    /// Changes of outcome from one scoring run to the next (runs that skipped the example are passed over).
    public var flips: Int
}

/// Examples whose outcome flipped at least `minimumFlips` times across `runs` (oldest first),
/// most flips first, then by id. One flip is also what a plain regression looks like; ask for two
/// or more to list only examples that went back and forth.
public func findFlakyExamples(runs: [ExampleOutcomes], minimumFlips: Int = 1) -> [FlakyExample] {
    var ids = Set<String>()
    for run in runs { ids.formUnion(run.passed.keys) }
    var flaky: [FlakyExample] = []
    for id in ids {
        let history = runs.map { $0.passed[id] }
        var flips = 0
        var previous: Bool?
        for outcome in history {
            guard let outcome else { continue }
            if let previous, previous != outcome { flips += 1 }
            previous = outcome
        }
        if flips >= max(1, minimumFlips) {
            flaky.append(FlakyExample(exampleId: id, history: history, flips: flips))
        }
    }
    return flaky.sorted { $0.flips != $1.flips ? $0.flips > $1.flips : $0.exampleId < $1.exampleId }
}
