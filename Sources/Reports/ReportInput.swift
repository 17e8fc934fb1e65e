import Gate
import Metrics

/// Everything a report shows, as plain values: the CLI fills it from the store and the writers
/// (markdown, JUnit, JSON) only format it. Text from models and datasets is kept raw here; each
/// writer escapes it for its own format.
public struct ReportInput: Codable, Sendable, Equatable {
    public var experiment: String
    public var runId: String
    /// When the run finished, as the store recorded it (ISO 8601); nil leaves the date out.
    public var createdAt: String?
    public var decision: GateDecision
    public var evalSets: [EvalSetReport]
    public var serving: ServingComparison?
    public var training: TrainingSummary?
    /// One series per metric over the last runs of the experiment, oldest first.
    public var trend: [TrendSeries]
    public var drift: DriftReport?
    public var flakyExamples: [FlakyExample]
    public var regressedExamples: [ExampleChange]
    public var improvedExamples: [ExampleChange]
    public var provenance: Provenance
    /// A model-swap run's variants; nil for a run with one candidate. With variants, `decision` is
    /// the selection among the candidates and each candidate carries its own decision and tables.
    public var variants: VariantComparison?
    /// Route variants as served, member by member (and a drill's route beside the undisturbed one).
    public var routes: [RouteReport]?
    /// The experiment's judges, one entry per judge and eval set (`JudgeSection`); nil without judges.
    public var judges: [JudgeReport]?

    public init(experiment: String, runId: String, createdAt: String? = nil, decision: GateDecision,
                evalSets: [EvalSetReport], serving: ServingComparison? = nil, training: TrainingSummary? = nil,
                trend: [TrendSeries] = [], drift: DriftReport? = nil, flakyExamples: [FlakyExample] = [],
                regressedExamples: [ExampleChange] = [], improvedExamples: [ExampleChange] = [],
                provenance: Provenance, variants: VariantComparison? = nil) {
        self.experiment = experiment
        self.runId = runId
        self.createdAt = createdAt
        self.decision = decision
        self.evalSets = evalSets
        self.serving = serving
        self.training = training
        self.trend = trend
        self.drift = drift
        self.flakyExamples = flakyExamples
        self.regressedExamples = regressedExamples
        self.improvedExamples = improvedExamples
        self.provenance = provenance
        self.variants = variants
    }
}

/// A closed interval, e.g. a 95 % bootstrap confidence interval.
public struct Interval: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// How a metric row fared under the gate.
public enum RowStatus: String, Codable, Sendable, Equatable {
    case pass
    case fail
    /// The candidate (or the baseline a rule needed) has no value.
    case missing
    /// No rule covers this metric.
    case notGated = "not_gated"
}

/// One metric on one eval set: the numbers, the rule and whether it held.
public struct MetricRow: Codable, Sendable, Equatable {
    public var metric: String
    public var baseline: Double?
    public var candidate: Double?
    /// candidate − baseline.
    public var delta: Double?
    /// 95 % confidence interval of the candidate's score.
    public var confidenceInterval: Interval?
    /// Paired test of candidate against baseline.
    public var pValue: Double?
    /// One-sided paired test that the candidate is worse: the p-value a rule tests.
    public var worseningPValue: Double?
    /// The tested p-value after the decision's multiple-testing correction; nil when not corrected.
    public var adjustedPValue: Double?
    /// The smallest drop this holdout could detect for the metric (80% power).
    public var detectable: DetectableEffect?
    /// The rule's `max_drop`, which `detectable` is held against.
    public var maxDrop: Double?
    /// The rule in short form (`MetricRule.summary`), or nil when not gated.
    public var rule: String?
    public var status: RowStatus

    public init(metric: String, baseline: Double?, candidate: Double?, confidenceInterval: Interval? = nil,
                pValue: Double? = nil, rule: String?, status: RowStatus) {
        self.metric = metric
        self.baseline = baseline
        self.candidate = candidate
        if let baseline, let candidate { self.delta = candidate - baseline } else { self.delta = nil }
        self.confidenceInterval = confidenceInterval
        self.pValue = pValue
        self.rule = rule
        self.status = status
    }
}

/// The table of one eval set.
public struct EvalSetReport: Codable, Sendable, Equatable {
    public var name: String
    /// Dataset path as the experiment names it.
    public var dataset: String?
    public var exampleCount: Int?
    public var rows: [MetricRow]
    /// Per-label scores of baseline and candidate when the references form a small label set.
    public var labels: LabelComparison?

    /// Gated metrics whose allowed drop is below what this holdout can detect, as sentences.
    public var detectabilityWarnings: [String] {
        rows.compactMap { row in
            guard let effect = row.detectable, let maxDrop = row.maxDrop else { return nil }
            return DetectabilityWarning.sentence(evalSet: name, metric: row.metric, effect: effect, maxDrop: maxDrop)
        }
    }

    public init(name: String, dataset: String? = nil, exampleCount: Int? = nil, rows: [MetricRow],
                labels: LabelComparison? = nil) {
        self.name = name
        self.dataset = dataset
        self.exampleCount = exampleCount
        self.rows = rows
        self.labels = labels
    }

    /// Rows built from the gate's inputs and decision: one per comparison on this eval set, its
    /// status failing when any outcome for that metric failed (missing when the presence check did).
    /// With `detectable`, rows carry each metric's minimum detectable effect and the warnings
    /// name every rule whose `max_drop` is below it.
    public init(name: String, dataset: String? = nil, exampleCount: Int? = nil,
                comparisons: [MetricComparison], confidenceIntervals: [String: Interval] = [:],
                policy: GatePolicy, decision: GateDecision, detectable: [String: DetectableEffect] = [:],
                labels: LabelComparison? = nil) {
        let rows = comparisons.filter { $0.evalSet == name }.map { comparison -> MetricRow in
            let rule = policy.rules.first { $0.metric == comparison.metric }
            let outcomes = decision.outcomes.filter { $0.evalSet == name && $0.metric == comparison.metric }
            let status: RowStatus
            if rule == nil {
                status = .notGated
            } else if outcomes.contains(where: { !$0.passed && ($0.check == .presence || $0.check == .baseline) }) {
                status = .missing
            } else {
                status = outcomes.allSatisfy(\.passed) ? .pass : .fail
            }
            var row = MetricRow(metric: comparison.metric, baseline: comparison.baseline, candidate: comparison.candidate,
                                confidenceInterval: confidenceIntervals[comparison.metric], pValue: comparison.pValue,
                                rule: rule?.summary, status: status)
            row.worseningPValue = comparison.worseningPValue
            row.adjustedPValue = comparison.adjustedPValue
            row.detectable = detectable[comparison.metric]
            row.maxDrop = rule?.maxDrop
            return row
        }
        self.init(name: name, dataset: dataset, exampleCount: exampleCount, rows: rows, labels: labels)
    }
}

/// Latency and cost of baseline and candidate, with the budgets they were held to.
public struct ServingComparison: Codable, Sendable, Equatable {
    public var baseline: ServingFigures?
    public var candidate: ServingFigures?
    public var budgets: Budgets

    public init(baseline: ServingFigures?, candidate: ServingFigures?, budgets: Budgets = Budgets()) {
        self.baseline = baseline
        self.candidate = candidate
        self.budgets = budgets
    }
}

/// One metric over the last runs, oldest first.
public struct TrendSeries: Codable, Sendable, Equatable {
    public var evalSet: String
    public var metric: String
    public var points: [TrendPoint]

    public init(evalSet: String, metric: String, points: [TrendPoint]) {
        self.evalSet = evalSet
        self.metric = metric
        self.points = points
    }
}

public struct TrendPoint: Codable, Sendable, Equatable {
    public var runId: String
    public var value: Double
    public var verdict: Verdict?

    public init(runId: String, value: Double, verdict: Verdict? = nil) {
        self.runId = runId
        self.value = value
        self.verdict = verdict
    }
}

/// An example whose score changed between baseline and candidate. All text is raw model or dataset
/// text and is escaped by the writers.
public struct ExampleChange: Codable, Sendable, Equatable {
    public var id: String
    public var evalSet: String?
    /// The example's own words (last user message, or the prompt as the dataset wrote it).
    public var prompt: String
    /// The prompt as the model saw it (chat template, default system prompt); nil when not kept.
    public var renderedPrompt: String?
    public var reference: String
    public var baselineOutput: String
    public var candidateOutput: String
    public var baselineScore: Double?
    public var candidateScore: Double?

    public init(id: String, evalSet: String? = nil, prompt: String, reference: String, baselineOutput: String,
                candidateOutput: String, baselineScore: Double? = nil, candidateScore: Double? = nil,
                renderedPrompt: String? = nil) {
        self.id = id
        self.renderedPrompt = renderedPrompt
        self.evalSet = evalSet
        self.prompt = prompt
        self.reference = reference
        self.baselineOutput = baselineOutput
        self.candidateOutput = candidateOutput
        self.baselineScore = baselineScore
        self.candidateScore = candidateScore
    }
}

/// What produced the run, enough to reproduce it.
public struct Provenance: Codable, Sendable, Equatable {
    public var modelSha256: String
    public var adapterSha256: String?
    /// SHA-256 of each data file, by path.
    public var dataSha256: [NamedHash]
    /// sacrebleu-style metric signatures, e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:…".
    public var metricSignatures: [String]
    public var toolVersion: String
    public var gitCommit: String?
    /// The command that reproduces the run.
    public var command: String

    public init(modelSha256: String, adapterSha256: String? = nil, dataSha256: [NamedHash] = [],
                metricSignatures: [String] = [], toolVersion: String, gitCommit: String? = nil, command: String) {
        self.modelSha256 = modelSha256
        self.adapterSha256 = adapterSha256
        self.dataSha256 = dataSha256
        self.metricSignatures = metricSignatures
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.command = command
    }
}

public struct NamedHash: Codable, Sendable, Equatable {
    public var name: String
    public var sha256: String

    public init(name: String, sha256: String) {
        self.name = name
        self.sha256 = sha256
    }
}
