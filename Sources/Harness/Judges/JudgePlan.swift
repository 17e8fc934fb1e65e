import Foundation

/// One judge of an experiment (`judges:`): a model Tollgate already runs — a GGUF (with adapter)
/// or `endpoint:NAME` — given a prompt template and asked for a verdict in a fixed form
/// (`JudgeVerdictParser`). Its metric `judge:NAME` is a percentage, gated like any other:
///
/// - `rubric`: one answer against a criterion: pass rate (`scale: pass_fail`), or the mean of a
///   1–N score as a share of the scale, 100·(s − 1)/(N − 1) (`scale: 5`); optionally shown the reference;
/// - `reference`: is the answer consistent with the reference (Inspect's fact / closed-QA form):
///   share judged consistent;
/// - `pairwise`: the baseline's and the candidate's answers to one example, judged in both orders
///   (a verdict that flips with the order is a tie): the candidate's win rate, ties split.
///
/// ```yaml
/// judges:
///   - name: helpful
///     kind: rubric
///     model: endpoint:judge          # or a GGUF path (with adapter:)
///     rubric: The reply answers the customer's question with the shop's policy.
///     scale: pass_fail               # or a number of points N (a 1–N score)
///     with_reference: true           # show the reference reply (rubric only)
///     decoding: {max_tokens: 256, temperature: 0, seed: 0}
///     constrain: json_schema         # endpoint default; json_object (llama-cpp-python) or off (JudgeConstraint)
///     max_unscored: 0                # default 0 when a gate names judge:helpful, else unlimited
///     min_kappa: 0.4                 # below it, judge:helpful's rule is advisory
///     calibration: Datasets/support-replies/judge-calibration.jsonl
///     eval_sets: [support-replies]   # default: every generation eval set
/// ```
public struct JudgePlan: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case rubric, reference, pairwise
    }

    public var name: String
    public var kind: Kind
    /// A GGUF path or `endpoint:NAME`.
    public var model: String
    public var adapter: String?
    /// The criterion a rubric judge applies (the `rubric` variable of the template).
    public var rubric: String?
    /// Points of a rubric's 1–N scale; nil is pass/fail.
    public var scalePoints: Int?
    /// A rubric judge is also shown the reference answer.
    public var withReference: Bool = false
    /// A Jinja template of the judge's message replacing the kind's default (`JudgePrompt`).
    public var template: String?
    public var templateFile: String?
    public var maxTokens: Int = 256
    public var temperature: Double = 0
    public var seed: Int = 0
    /// How the server holds the judge to its menu; the experiment parser defaults endpoint judges to json_schema.
    public var constrain: JudgeConstraint = .off
    /// Unscored verdicts allowed before the run ends with exit 3; nil: 0 when gated, else unlimited.
    public var maxUnscored: Int?
    /// κ against the human verdicts a rule on this judge needs before it may decide.
    public var minKappa: Double?
    /// JSONL of answers with people's verdicts: `{"id", "answer", "human"}` per line.
    public var calibration: String?
    /// Eval sets judged; empty is every generation set.
    public var evalSets: [String] = []

    public init(name: String, kind: Kind, model: String) {
        self.name = name
        self.kind = kind
        self.model = model
    }

    public static let metricPrefix = "judge:"

    /// `judge:NAME`, the metric gates name.
    public var metric: String { JudgePlan.metricPrefix + name }

    /// The verdict labels this judge may write, in scale order (κ's weights follow it).
    public var labels: [String] {
        switch kind {
        case .rubric: return scalePoints.map { points in (1...points).map(String.init) } ?? ["FAIL", "PASS"]
        case .reference: return ["INCONSISTENT", "CONSISTENT"]
        case .pairwise: return ["A", "B", "TIE"]
        }
    }

    /// A label's value: 1/0 for pass/fail and consistent/inconsistent, the score on a 1–N scale,
    /// and for pairwise the first answer's share of the win (A 1, B 0, TIE 0.5).
    public func value(of label: String) -> Double? {
        switch (kind, scalePoints) {
        case (.rubric, .some): return Double(label)
        case (.rubric, nil): return label == "PASS" ? 1 : label == "FAIL" ? 0 : nil
        case (.reference, _): return label == "CONSISTENT" ? 1 : label == "INCONSISTENT" ? 0 : nil
        case (.pairwise, _): return ["A": 1, "B": 0, "TIE": 0.5][label]
        }
    }

    /// A value as a share of the best verdict, 0…1: what `judge:NAME` averages (× 100).
    public func share(of value: Double) -> Double {
        guard kind == .rubric, let points = scalePoints, points > 1 else { return value }
        return (value - 1) / Double(points - 1)
    }
}
