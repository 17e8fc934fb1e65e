import ArgumentParser
import Foundation
import Gate
import Harness

/// `tollgate gate`: decide GO or NO-GO on two stored evaluations, with rules from a file or flags.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Gate a candidate evaluation against a baseline evaluation. Exit 0 on GO, 1 on NO-GO.",
        discussion: """
            Rules come from --rules (an experiment file, or one with only gates: and budgets:) or from \
            flags for one metric. Each rule gives one reason line.
            """)

    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Option(help: "Baseline evaluation id (see tollgate history).") var baseline: Int64
    @Option(help: "Candidate evaluation id.") var candidate: Int64
    @Option(help: "YAML file with gates (and budgets).") var rules: String?
    @Option(help: "Metric for a rule given by flags.") var metric: String?
    @Option(help: "Absolute floor (a ceiling when lower is better).") var floor: Double?
    @Option(help: "Largest allowed drop, in the metric's units.") var maxDrop: Double?
    @Option(help: "Largest allowed relative drop, as a fraction (0.05 = 5%).") var maxRelativeDrop: Double?
    @Option(help: "Count a drop only when the paired bootstrap p-value is below this.") var alpha: Double?
    @Flag(help: "The metric is better when lower.") var lowerIsBetter = false

    func validate() throws {
        guard (rules == nil) != (metric == nil) else {
            throw ValidationError("Pass either --rules FILE or --metric NAME with its thresholds.")
        }
        if metric != nil && floor == nil && maxDrop == nil && maxRelativeDrop == nil {
            throw ValidationError("--metric needs at least one of --floor, --max-drop or --max-relative-drop.")
        }
    }

    func run() throws {
        let decision = try reportingInvalidInput { () -> GateDecision in
            let policy: GatePolicy
            if let rules {
                policy = try ExperimentFile.parseGatePolicy(yaml: String(contentsOfFile: rules, encoding: .utf8), file: rules)
            } else {
                policy = GatePolicy(rules: [MetricRule(metric: metric!, floor: floor, maxDrop: maxDrop,
                                                       maxRelativeDrop: maxRelativeDrop, greaterIsBetter: !lowerIsBetter,
                                                       significanceAlpha: alpha)])
            }
            return try GateEvaluations.decide(storePath: store, baselineID: baseline, candidateID: candidate, policy: policy).decision
        }
        printOutput(decision.verdict.rawValue)
        for outcome in decision.outcomes { printOutput("\(outcome.passed ? "pass" : "FAIL")  \(outcome.name): \(outcome.reason)") }
        if decision.verdict == .noGo { throw ExitCode(1) }
    }
}
