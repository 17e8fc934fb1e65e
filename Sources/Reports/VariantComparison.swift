import Gate

/// A model-swap run: the same holdout sets scored for several models (a model and its fused or
/// quantized variants, or other models), the first being the baseline every other is gated against.
public struct VariantComparison: Codable, Sendable, Equatable {
    /// The baseline variant's name (the first of `variants`).
    public var baseline: String
    /// The candidate the decision recommends; nil on NO-GO.
    public var recommended: String?
    /// How the candidates' decisions became the run's, in one or two sentences.
    public var rule: String
    /// Baseline first, in the experiment's order.
    public var variants: [VariantReport]

    public init(baseline: String, recommended: String?, rule: String, variants: [VariantReport]) {
        self.baseline = baseline
        self.recommended = recommended
        self.rule = rule
        self.variants = variants
    }

    public var candidates: [VariantReport] { variants.filter { $0.decision != nil } }
}

/// One variant: what it is, its scores and serving figures, and (for a candidate) its decision
/// against the baseline with the per-metric tables and the examples that changed.
public struct VariantReport: Codable, Sendable, Equatable {
    public var name: String
    /// What the weights are, e.g. "model + adapter at runtime" or "model + adapter fused, q8_0".
    public var source: String
    public var modelPath: String
    public var modelSha256: String
    public var adapterPath: String?
    public var adapterSha256: String?
    /// Bytes to deploy: the model file plus the adapter's files.
    public var bytes: Int64
    /// Per eval set and metric: the score, its 95% interval and, for a candidate, the paired p-value.
    public var scores: [VariantScore]
    /// The slowest and dearest of its eval sets' figures.
    public var serving: ServingFigures
    /// The experiment's rules against the baseline; nil for the baseline itself.
    public var decision: GateDecision?
    /// A candidate's metric tables against the baseline, one per eval set.
    public var evalSets: [EvalSetReport]
    public var regressedExamples: [ExampleChange]
    public var improvedExamples: [ExampleChange]
    /// How its adapter was trained, from the adapter folder's training log; nil without one.
    public var training: AdapterTrainingFigures?

    public init(name: String, source: String, modelPath: String, modelSha256: String, adapterPath: String? = nil,
                adapterSha256: String? = nil, bytes: Int64, scores: [VariantScore], serving: ServingFigures,
                decision: GateDecision? = nil, evalSets: [EvalSetReport] = [], regressedExamples: [ExampleChange] = [],
                improvedExamples: [ExampleChange] = [], training: AdapterTrainingFigures? = nil) {
        self.name = name
        self.source = source
        self.modelPath = modelPath
        self.modelSha256 = modelSha256
        self.adapterPath = adapterPath
        self.adapterSha256 = adapterSha256
        self.bytes = bytes
        self.scores = scores
        self.serving = serving
        self.decision = decision
        self.evalSets = evalSets
        self.regressedExamples = regressedExamples
        self.improvedExamples = improvedExamples
        self.training = training
    }
}

/// The training behind a variant's adapter: optimizer steps, wall time and throughput of its run.
public struct AdapterTrainingFigures: Codable, Sendable, Equatable {
    public var steps: Int
    public var seconds: Double
    public var tokensPerSecond: Double

    public init(steps: Int, seconds: Double, tokensPerSecond: Double) {
        self.steps = steps
        self.seconds = seconds
        self.tokensPerSecond = tokensPerSecond
    }
}

public struct VariantScore: Codable, Sendable, Equatable {
    public var evalSet: String
    public var metric: String
    public var score: SystemScore

    public init(evalSet: String, metric: String, score: SystemScore) {
        self.evalSet = evalSet
        self.metric = metric
        self.score = score
    }
}
