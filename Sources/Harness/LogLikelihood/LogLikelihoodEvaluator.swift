import Corpus
import Endpoints
import Foundation
import Llama
import Metrics
import Store
import TensorKit

/// What a log-likelihood evaluation is asked to do.
public struct LogLikelihoodRequest: Sendable {
    public var modelPath: String
    public var adapterPath: String?
    public var dataPath: String
    public var kind: LogLikelihoodSet.Kind
    /// Score through this completions endpoint (echo + logprobs) instead of a local model.
    public var endpoint: EndpointConfig?
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var storePath: String = "tollgate.db"
    public var limit: Int?
    /// Items whose contexts share one forward call.
    public var itemsPerCall: Int = 4
    /// nil: a request longer than the model's context is an error naming the example. `.left`:
    /// cut the context from the left (lm-eval's behaviour), recorded in the evaluation's settings.
    public var truncation: ContextTruncation?
    public var resamples: Int = 1000
    public var experiment: String?
    public var runID: Int64?
    public var commandLine: String = CommandLine.arguments.joined(separator: " ")

    public init(modelPath: String, adapterPath: String?, dataPath: String, kind: LogLikelihoodSet.Kind) {
        self.modelPath = modelPath; self.adapterPath = adapterPath; self.dataPath = dataPath; self.kind = kind
    }

    public init(endpoint: EndpointConfig, dataPath: String, kind: LogLikelihoodSet.Kind) {
        self.init(modelPath: endpoint.displayName, adapterPath: nil, dataPath: dataPath, kind: kind)
        self.endpoint = endpoint
    }

    /// The evaluation's settings as stored (`evaluation.decoding_json`): two evaluations are the same
    /// one when these are equal.
    var settingsJSON: String {
        var parts = ["\"kind\":\"\(kind.rawValue)\"", "\"scoring\":\"loglikelihood-lm-eval-0.4\""]
        if let limit { parts.append("\"limit\":\(limit)") }
        parts.append("\"truncation\":\"\(truncation?.rawValue ?? "none")\"")
        return "{" + parts.sorted().joined(separator: ",") + "}"
    }
}

public enum ContextTruncation: String, Codable, Sendable { case left }

/// `tollgate eval --kind multiple_choice|perplexity`: scores every item's continuations with the
/// model, stores one prediction row per item (its choices' log-likelihoods among the scores), and
/// summarises with bootstrap intervals. The answer a row holds is the index acc picked, its
/// reference the gold index, so `em` over these rows is `acc`.
public enum LogLikelihoodEvaluator {
    public static func run(_ request: LogLikelihoodRequest,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> LogLikelihoodSummary {
        let started = Date()
        var set = try LogLikelihoodSet.load(path: request.dataPath, kind: request.kind)
        if let limit = request.limit {
            set.items = Array(set.items.prefix(limit))
            set.texts = Array(set.texts.prefix(limit))
        }
        let scored = try request.endpoint != nil ? scoreThroughEndpoint(request, set: set, progress: progress)
                                                  : scoreLocally(request, set: set, progress: progress)
        let scores = scored.scores
        var summary = LogLikelihoodSummary(
            kind: request.kind, model: request.modelPath, modelSHA256: scored.modelRecord.sha256, adapter: request.adapterPath,
            dataset: set.path, datasetSHA256: set.sha256, examples: set.count, truncation: request.truncation?.rawValue,
            contextTokens: scored.contextTokens, continuationTokens: scored.continuationTokens,
            scoringSeconds: scored.seconds, wallSeconds: 0)
        var rows: [PredictionRecord] = []
        switch request.kind {
        case .multipleChoice:
            let results = try zip(set.items, scores).map { try MultipleChoiceResult(item: $0, scores: $1) }
            summary.metrics = [MultipleChoiceMetrics.summary("acc", values: results.map(\.acc), resamples: request.resamples),
                               MultipleChoiceMetrics.summary("acc_norm", values: results.map(\.accNorm), resamples: request.resamples)]
            summary.results = results
            rows = zip(set.items, results).enumerated().map { index, pair in
                MultipleChoiceMetrics.row(item: pair.0, result: pair.1, index: index)
            }
        case .perplexity:
            let perplexity = RollingWindows.summary(texts: set.texts, scores: scores)
            summary.metrics = perplexity.metrics
            summary.perplexity = perplexity.items
            rows = perplexity.rows
        }
        summary.wallSeconds = Date().timeIntervalSince(started)
        summary.evaluationID = try store(rows, metrics: summary.metrics, request: request, model: scored.modelRecord,
                                         adapter: scored.adapterRecord, set: set)
        return summary
    }

    /// What a source scored, with the provenance the store needs.
    struct Scored {
        var scores: [[ContinuationScore]]
        var modelRecord: ModelRecord
        var adapterRecord: AdapterRecord?
        var contextTokens: Int
        var continuationTokens: Int
        var seconds: Double
    }

    /// The GGUF (and adapter) here: requests made and checked before the weights load.
    static func scoreLocally(_ request: LogLikelihoodRequest, set: LogLikelihoodSet,
                             progress: (Int, Int) -> Void) throws -> Scored {
        let loaded = try LoadedModel.load(modelPath: request.modelPath, adapterPath: request.adapterPath)
        let split = ContinuationSplit(model: loaded)
        let limit = loaded.config.contextLength
        // Requests are made (and checked) before the weights load or a row is written.
        // Perplexity: a text's windows are items of their own, regrouped after scoring.
        var encoded: [EncodedItem] = [], windowsPerText: [Int] = []
        switch request.kind {
        case .multipleChoice:
            encoded = try set.items.map { item in
                try fit(split.split(item), id: item.id, limit: limit, truncation: request.truncation)
            }
        case .perplexity:
            for text in set.texts {
                let windows = try RollingWindows.item(id: text.id, text: text.text, split: split, maxLength: limit)
                encoded += windows
                windowsPerText.append(windows.count)
            }
        }
        let model = try LlamaModel.load(file: loaded.file, adapter: loaded.adapter)
        let scorer = LogLikelihoodScorer(model: model, itemsPerCall: request.itemsPerCall)
        let scoringStarted = Date()
        var scores: [[ContinuationScore]] = []
        var done = 0
        for chunk in stride(from: 0, to: encoded.count, by: 32).map({ Array(encoded[$0..<min(encoded.count, $0 + 32)]) }) {
            scores += try scorer.score(chunk)
            done += chunk.count
            progress(done, encoded.count)
        }
        let scoringSeconds = Date().timeIntervalSince(scoringStarted)
        if request.kind == .perplexity {
            // A text's windows back into one row of scores.
            var grouped: [[ContinuationScore]] = [], next = 0
            for count in windowsPerText { grouped.append(scores[next..<next + count].flatMap { $0 }); next += count }
            scores = grouped
        }
        return Scored(scores: scores, modelRecord: loaded.modelRecord, adapterRecord: loaded.adapterRecord,
                      contextTokens: scorer.contextTokens, continuationTokens: scorer.continuationTokens, seconds: scoringSeconds)
    }

    /// A completions endpoint with echo + logprobs (multiple-choice sets only).
    static func scoreThroughEndpoint(_ request: LogLikelihoodRequest, set: LogLikelihoodSet,
                                     progress: (Int, Int) -> Void) throws -> Scored {
        guard request.kind == .multipleChoice, let endpoint = request.endpoint else {
            throw LogLikelihoodError.unreadable(path: set.path, reason: "perplexity sets are scored on a local --model; an endpoint scores multiple_choice sets")
        }
        let scorer = try EndpointLogLikelihoodScorer(config: endpoint, environment: request.environment)
        let started = Date()
        var scores: [[ContinuationScore]] = []
        for start in stride(from: 0, to: set.items.count, by: 16) {
            scores += try scorer.score(Array(set.items[start..<min(set.items.count, start + 16)]))
            progress(scores.count, set.items.count)
        }
        return Scored(scores: scores, modelRecord: scorer.modelRecord, adapterRecord: nil, contextTokens: 0,
                      continuationTokens: scores.reduce(0) { $0 + $1.reduce(0) { $0 + $1.tokens } },
                      seconds: Date().timeIntervalSince(started))
    }

    /// The request within the model's context, or an error naming the example; with `.left`, the
    /// context loses its first tokens (BOS kept) as lm-eval's left truncation does.
    static func fit(_ item: EncodedItem, id: String, limit: Int, truncation: ContextTruncation?) throws -> EncodedItem {
        let longest = item.continuations.map(\.count).max() ?? 0
        guard item.context.count + longest > limit else { return item }
        guard truncation == .left, longest < limit else {
            throw LogLikelihoodError.contextTooLong(example: id, tokens: item.context.count + longest, limit: limit)
        }
        var cut = item
        cut.context = Array(item.context.suffix(limit - longest))
        return cut
    }

    private static func store(_ rows: [PredictionRecord], metrics: [LogLikelihoodMetric], request: LogLikelihoodRequest, model: ModelRecord,
                              adapter: AdapterRecord?, set: LogLikelihoodSet) throws -> Int64 {
        let store = try TollgateStore(path: request.storePath)
        let modelID = try store.upsertModel(model)
        let adapterID = try adapter.map { try store.upsertAdapter($0) }
        let url = URL(fileURLWithPath: set.path)
        let datasetID = try store.upsertDataset(DatasetRecord(
            name: url.deletingLastPathComponent().lastPathComponent, split: url.deletingPathExtension().lastPathComponent,
            path: set.path, sha256: set.sha256, exampleCount: set.count))
        let ownsRun = request.runID == nil
        let runID = try request.runID ?? store.beginRun(RunRecord(
            experiment: request.experiment, kind: "eval-\(request.kind.rawValue)", commandLine: request.commandLine,
            configJSON: request.settingsJSON, toolVersion: TollgateVersion.string, gitCommit: GitRevision.current(),
            threads: Parallel.threads))
        let start = try store.findOrCreateEvaluation(runID: runID, modelID: modelID, adapterID: adapterID,
                                                     datasetID: datasetID, decodingJSON: request.settingsJSON)
        var stamped = rows
        for i in stamped.indices { stamped[i].evaluationID = start.evaluationID }
        let fresh = stamped.filter { !start.existingPredictionIndices.contains($0.exampleIndex) }
        try store.recordOutcomes(predictions: fresh, failures: [])
        try store.recordMetrics(metrics.map {
            MetricResultRecord(evaluationID: start.evaluationID, metric: $0.metric, value: $0.score, ciLow: $0.ciLow, ciHigh: $0.ciHigh,
                               signature: "\($0.metric)|\(request.settingsJSON)|version:tollgate-\(TollgateVersion.string)")
        })
        try store.finishEvaluation(id: start.evaluationID, status: .completed)
        if ownsRun { try store.finishRun(id: runID, status: .succeeded) }
        return start.evaluationID
    }
}
