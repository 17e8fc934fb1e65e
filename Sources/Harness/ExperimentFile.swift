import Endpoints
import Foundation
import Gate
import TensorKit

/// An experiment as written in `Experiments/*.yaml`: the model, optional training, the eval sets,
/// what to compare against, how to pick the candidate checkpoint, and the gate. Paths are kept as
/// written (relative ones resolve against the working directory, as on the command line).
///
/// ```yaml
/// name: nightly
/// model: models/SmolLM2-135M-Instruct.Q4_1.gguf
/// training: {data: Datasets/capitals/train.jsonl, rank: 8, steps: 200, save_every: 50,
///            selection: {fraction: 0.1, seed: 1}}   # the validation split, when valid: is absent
/// eval_sets:
///   - dataset: Datasets/capitals/holdout.jsonl
///     metrics: [em, bleu, chrf]
///     decoding: {max_tokens: 32}
/// baseline: base                 # or last_go, or {pinned: <evaluation id or file>}
/// checkpoints: {evaluate: all, choose: best, metric: bleu}
/// gates:
///   bleu: {floor: 20, max_drop: 1.0, significance: 0.05}
/// correction: holm               # or none: Holm–Bonferroni over the decision's significance rules
/// budgets: {p95_latency_seconds: 2.0, cost_per_1000_requests: 0.05, cpu_hour_price: 0.10}
/// variants:                      # a model-swap experiment: the first is the baseline
///   - {name: adapter}            # the model with its adapter applied at runtime
///   - {name: fused-q8_0, fuse: q8_0}
/// ```
public struct ExperimentFile: Codable, Sendable, Equatable {
    public var name: String
    /// GGUF model path: the base model and, without training, the candidate too; or
    /// `endpoint:NAME`, one of `endpoints` (a nightly check of a served model).
    public var model: String
    /// OpenAI-compatible endpoints, by name, that `model` and variants may name.
    public var endpoints: [EndpointConfig] = []
    /// The candidate's adapter when the experiment does not train (a nightly check of the
    /// adapter in production): a PEFT folder or a llama.cpp LoRA GGUF.
    public var adapter: String? = nil
    public var training: TrainingPlan?
    public var evalSets: [EvalSetPlan]
    public var baseline: BaselineChoice
    public var checkpoints: CheckpointPlan
    /// One rule per metric, applied on every eval set that computes the metric.
    public var gates: [MetricRule]
    public var budgets: BudgetPlan
    public var drift: DriftPlan
    /// A model-swap experiment's models, baseline first; empty for an experiment with one candidate
    /// gated against `baseline`.
    public var variants: [VariantPlan] = []
    /// Top-level `correction: holm | none`: how one decision's significance-gated rules are
    /// corrected for being tested together (Holm–Bonferroni by default).
    public var correction: MultipleTestingCorrection = .holm

    /// Each gated metric's `significance` (for its minimum detectable effect).
    public var gateSignificance: [String: Double] {
        Dictionary(gates.compactMap { rule in rule.significanceAlpha.map { (rule.metric, $0) } }) { first, _ in first }
    }

    /// The training grid of `tollgate sweep` (`sweep:`); nil when the file has no such block.
    public var sweep: SweepGrid? = nil

    /// Redaction and retention (`privacy:`); nil when the file has no such block.
    public var privacy: PrivacyPlan? = nil

    /// Primary-and-fallback routes a variant may serve (`routes:`), and the drills that inject
    /// failures into their members (`drills:`, run one with `tollgate run --drill NAME`).
    public var routes: [RoutePlan] = []
    public var drills: [DrillPlan] = []
    /// Models that judge the answers (`judges:`, see `JudgePlan`); each adds the metric `judge:NAME`.
    public var judges: [JudgePlan] = []

    /// The rules and budgets as the gate takes them.
    public var gatePolicy: GatePolicy {
        GatePolicy(rules: gates, budgets: Budgets(p95LatencySeconds: budgets.p95LatencySeconds,
                                                  costPerThousandRequests: budgets.costPer1000Requests),
                   correction: correction)
    }
}

/// The `tollgate train` options (see DESIGN.md); nil means the train command's own default.
public struct TrainingPlan: Codable, Sendable, Equatable {
    /// JSONL training data.
    public var data: String
    /// JSONL validation data for the validation loss.
    public var valid: String?
    /// Output folder for checkpoints; nil lets `tollgate run` choose one under its run folder.
    public var out: String?
    public var rank: Int = 8
    public var alpha: Double = 16
    /// Projections that get adapters: q, k, v, o, gate, up, down.
    public var targets: [String] = ["q", "v"]
    /// Optimizer steps; exclusive with `epochs`.
    public var steps: Int?
    /// Passes over the data; exclusive with `steps`.
    public var epochs: Double?
    public var batchSize: Int = 4
    public var learningRate: Double = 1e-4
    public var optimizer: String = "adamw"
    public var seed: Int = 0
    /// Save a checkpoint every N steps (each one can be scored, see `CheckpointPlan`).
    public var saveEvery: Int?
    /// Chat template: auto (the model's own), chatml, llama3, raw or a named variant of the model's.
    public var template: String = "auto"
    /// `template_file`, `template_vars`, `template_date` (see `TemplateKeys`).
    public var templateFile: String?
    public var templateVariables: [String: String] = [:]
    public var templateDate: String?
    /// Adapter folder to start from instead of a fresh (B = 0) adapter.
    public var initAdapter: String?
    /// Continue from the last checkpoint in `out`.
    public var resume: Bool = false
    /// Products with the frozen weights: f32, bf16, int8 or auto (see `ComputePrecision`).
    public var precision: String = "f32"
    /// How the validation split is carved from `data` when checkpoints are chosen and `valid` is absent.
    public var selection: SelectionPlan = SelectionPlan()

    public init(data: String) { self.data = data }

    public static let allowedTargets = ["q", "k", "v", "o", "gate", "up", "down"]
    public static let optimizers = ["adamw", "sgd"]
    public static let precisions = ComputePrecision.allCases.map(\.rawValue) + ["auto"]
}

/// `training.selection`: the share of the training data carved off (before training) to choose
/// checkpoints on, and the seed of the draw (see `SelectionSplit`).
public struct SelectionPlan: Codable, Sendable, Equatable {
    public var fraction: Double = 0.1
    public var seed: Int = 1

    public init(fraction: Double = 0.1, seed: Int = 1) {
        self.fraction = fraction
        self.seed = seed
    }
}

/// One holdout set and how to score it.
public struct EvalSetPlan: Codable, Sendable, Equatable {
    /// Name in reports; defaults to the dataset's folder and file stem ("capitals/holdout").
    public var name: String
    /// JSONL dataset path.
    public var dataset: String
    public var metrics: [String] = ["em", "bleu", "chrf"]
    public var decoding: DecodingPlan = DecodingPlan()
    /// Score only the first N examples.
    public var limit: Int?
    /// Prompts generated together; nil is the eval command's default.
    public var batchSize: Int?
    /// "generation" (answers scored against references) or "multiple_choice" (log-likelihood of
    /// each choice, acc and acc_norm: a forgetting guard, see `GuardEvaluations`).
    public var kind: String = "generation"
    /// multiple_choice: "left" cuts contexts over the model's context from the left; nil refuses them.
    public var truncation: String?

    public static let knownMetrics = ["em", "bleu", "chrf", "chrf++", "macro_f1"]
}

public struct DecodingPlan: Codable, Sendable, Equatable {
    public var maxTokens: Int = 64
    /// 0 decodes greedily.
    public var temperature: Double = 0
    public var topP: Double?
    public var seed: Int?
    /// Chat template: auto, chatml, llama3, raw or a named variant of the model's.
    public var template: String = "auto"
    /// `template_file`, `template_vars`, `template_date` (see `TemplateKeys`).
    public var templateFile: String?
    public var templateVariables: [String: String] = [:]
    public var templateDate: String?
    /// Arithmetic of the projections: f32, bf16, int8 or auto (see `ComputePrecision`).
    public var precision: String = "f32"

    public init() {}

    public static let templates = ["auto", "chatml", "llama3", "raw"]
}

/// What the candidate is compared against.
public enum BaselineChoice: Codable, Sendable, Equatable {
    /// The experiment's model without the adapter.
    case base
    /// A stored evaluation (by id) or an evaluation JSON file.
    case pinned(String)
    /// The candidate of this experiment's most recent GO run.
    case lastGo
}

/// Which checkpoints are scored on the holdout and which one becomes the candidate.
public struct CheckpointPlan: Codable, Sendable, Equatable {
    public enum Evaluate: Codable, Sendable, Equatable {
        /// Only the adapter at the end of training.
        case final
        /// Every saved checkpoint.
        case all
        /// The last K saved checkpoints.
        case last(Int)
    }

    public var evaluate: Evaluate = .final
    /// "best" picks the checkpoint with the best `metric` on the validation set; "last" the final one.
    public var choose: String = "last"
    /// Metric that ranks checkpoints; defaults to the first gated metric (else the first metric) of the
    /// first eval set, whose metrics and decoding the validation set is scored with.
    public var metric: String?
    /// An eval set no gate decides on that ranks checkpoints instead of the validation set; nil
    /// (the default) ranks them on `training.valid` or the split carved from `training.data`.
    public var evalSet: String?

    public init() {}

    public static let choices = ["best", "last"]
}

public struct BudgetPlan: Codable, Sendable, Equatable {
    public var p95LatencySeconds: Double?
    public var costPer1000Requests: Double?
    /// Price of one CPU hour, used to turn measured CPU time into cost per 1,000 requests.
    public var cpuHourPrice: Double?
    /// Dollars the run may spend on endpoints; a request that could pass it is not sent (exit 3).
    public var maxCost: Double?
    /// Share of an endpoint evaluation's examples that may stay unanswered after retries (default
    /// 0); above it the run ends with exit 3, no decision.
    public var maxErrorRate: Double = 0

    public init() {}
}

public struct DriftPlan: Codable, Sendable, Equatable {
    /// How many of the most recent GO runs the drift median is taken over.
    public var recentGoRuns: Int = 7
    /// Flips an example needs before it is listed as flaky.
    public var flakyMinimumFlips: Int = 2

    public init() {}
}
