import Corpus
import Foundation
import Store

/// A model as an evaluation sees it — a GGUF run in this process or a model behind an
/// OpenAI-compatible endpoint — so `eval`, `run` and variants never branch on the kind.
///
/// The evaluator asks, in order: the identity (provenance rows, cache-key prefix), the text of each
/// example's request, then `prepare()` (only when something must be generated) before it writes a
/// row, and finally answers for the examples the cache and earlier runs did not cover.
protocol AnswerSource: AnyObject {
    /// The `model` row: a GGUF by content hash, an endpoint by base URL and model name.
    var modelRecord: ModelRecord { get }
    var adapterRecord: AdapterRecord? { get }
    /// How logs and summaries name it.
    var displayName: String { get }
    /// What is stored as a prediction's prompt and hashed into its cache key: the rendered chat
    /// template for a local model, the full request body for an endpoint.
    func requestText(for example: Example) throws -> String
    /// Everything that can fail before a row is written: weights loaded, endpoint reachable.
    func prepare() throws
    /// Answers the examples at `indices` (dataset positions), handing each finished batch to
    /// `deliver` (which stores it) before the next; returns when all are delivered or the source stopped.
    func answer(indices: [Int], examples: [Example], requestTexts: [String],
                deliver: ([(index: Int, outcome: SourceOutcome)]) throws -> Void) throws
    var usesEvaluationCache: Bool { get }
    func takeRouteSteps(for indices: [Int], evaluationID: Int64) -> [RouteStepRecord]
    var stopReason: String? { get }
}

/// One example's result from a source.
enum SourceOutcome {
    case answered(SourceAnswer)
    /// An endpoint request that failed past its retries, or was never sent because the run stopped;
    /// `seconds` from the first attempt to giving up (what a route loses before failing over).
    case failed(kind: String, httpStatus: Int?, message: String, retries: Int, seconds: Double = 0)
}

/// An answer and what it cost to get.
struct SourceAnswer {
    var text: String
    /// Generated token ids (local models; empty for endpoints).
    var ids: [Int] = []
    /// Nil when an endpoint reported no usage.
    var promptTokens: Int?
    var completionTokens: Int?
    var latencySeconds: Double
    var timeToFirstTokenSeconds: Double?
    var retries: Int = 0
    var finishReason: String?
    /// This process's CPU time spent on it (local models; 0 for endpoints).
    var cpuSeconds: Double = 0
    /// Dollars by the endpoint's prices; nil for local models or when usage is missing.
    var costUSD: Double?
    /// Given by a cached generation of a route's member, not generated now.
    var fromCache = false
}

extension AnswerSource {
    /// False for a source that caches its answers itself (a route, under the member that answered).
    var usesEvaluationCache: Bool { true }
    /// The `route_step` rows of examples just delivered (a route's; empty for one model).
    func takeRouteSteps(for indices: [Int], evaluationID: Int64) -> [RouteStepRecord] { [] }
    /// Why the run must stop with exit 3 after storing what it has (an endpoint's quota or budget).
    var stopReason: String? { nil }
}
