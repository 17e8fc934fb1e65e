import Foundation
import GRDB

/// One model (+ adapter) scored over one dataset with one set of decoding settings (table `evaluation`).
public struct EvaluationRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "evaluation"

    public enum Status: String, Codable, Sendable { case running, completed, failed }

    public var id: Int64?
    public var runID: Int64
    public var modelID: Int64
    public var adapterID: Int64?
    public var datasetID: Int64
    /// Decoding settings (template, max tokens, temperature, limit, …) as canonical JSON with sorted
    /// keys: two evaluations are the same evaluation when this text is equal.
    public var decodingJSON: String
    public var status: Status
    public var startedAt: Date
    public var endedAt: Date?

    public init(id: Int64? = nil, runID: Int64, modelID: Int64, adapterID: Int64?, datasetID: Int64,
                decodingJSON: String, status: Status = .running, startedAt: Date = Date(), endedAt: Date? = nil) {
        self.id = id; self.runID = runID; self.modelID = modelID; self.adapterID = adapterID
        self.datasetID = datasetID; self.decodingJSON = decodingJSON; self.status = status
        self.startedAt = startedAt; self.endedAt = endedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status
        case runID = "run_id", modelID = "model_id", adapterID = "adapter_id", datasetID = "dataset_id"
        case decodingJSON = "decoding_json", startedAt = "started_at", endedAt = "ended_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The model's answer to one example, with its golds and scores (table `prediction`).
public struct PredictionRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "prediction"
    public var id: Int64?
    public var evaluationID: Int64
    /// 0-based position of the example in the dataset file (blank lines not counted).
    public var exampleIndex: Int
    /// The example's own `"id"`, when it has one.
    public var exampleID: String?
    public var prompt: String
    public var output: String
    /// The golds it was scored against; stored as JSON.
    public var references: [String]
    /// Per-example score by metric name (e.g. "em": 1, "chrf": 53.2); stored as JSON.
    public var scores: [String: Double]
    public var latencySeconds: Double
    /// Process CPU time spent generating this answer (its share of the batch that made it).
    public var cpuSeconds: Double = 0
    /// SHA-256 (hex) of the prompt and the output, kept when their text is pruned.
    public var promptSHA256: String? = nil
    public var outputSHA256: String? = nil
    /// When retention removed the prompt, output and references (then empty); nil while they are kept.
    public var textPrunedAt: Date? = nil
    public var promptTokens: Int
    public var completionTokens: Int
    /// True when the output came from the generation cache (latency is then the original one).
    public var fromCache: Bool
    /// Endpoints that stream: seconds to the first non-empty content delta.
    public var timeToFirstTokenSeconds: Double?
    /// Attempts before the answered one (endpoints).
    public var retries: Int = 0
    /// "stop", "length", …; nil for local models and servers that send none.
    public var finishReason: String?
    /// False when an endpoint sent no `usage`: the token counts are then 0, not estimates.
    public var usageReported: Bool = true
    /// Dollars an endpoint charged for this answer by its prices; nil for local models or unknown.
    public var costUSD: Double?

    public init(id: Int64? = nil, evaluationID: Int64, exampleIndex: Int, exampleID: String? = nil, prompt: String,
                output: String, references: [String], scores: [String: Double], latencySeconds: Double,
                promptTokens: Int, completionTokens: Int, fromCache: Bool = false, cpuSeconds: Double = 0) {
        self.id = id; self.evaluationID = evaluationID; self.exampleIndex = exampleIndex; self.exampleID = exampleID
        self.prompt = prompt; self.output = output; self.references = references; self.scores = scores
        self.latencySeconds = latencySeconds; self.promptTokens = promptTokens
        self.completionTokens = completionTokens; self.fromCache = fromCache; self.cpuSeconds = cpuSeconds
    }

    enum CodingKeys: String, CodingKey {
        case id, prompt, output, retries
        case evaluationID = "evaluation_id", exampleIndex = "example_index", exampleID = "example_id"
        case references = "references_json", scores = "scores_json", latencySeconds = "latency_seconds"
        case promptSHA256 = "prompt_sha256", outputSHA256 = "output_sha256", textPrunedAt = "text_pruned_at"
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", fromCache = "from_cache"
        case cpuSeconds = "cpu_seconds", timeToFirstTokenSeconds = "time_to_first_token_seconds"
        case finishReason = "finish_reason", usageReported = "usage_reported", costUSD = "cost_usd"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A corpus-level metric of an evaluation, with its bootstrap CI (table `metric_result`).
public struct MetricResultRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "metric_result"
    public var id: Int64?
    public var evaluationID: Int64
    /// "em", "bleu", "chrf", …
    public var metric: String
    public var value: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    /// sacrebleu-style signature, e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0".
    public var signature: String
    /// Anything else the metric reports (precisions, brevity penalty, …) as JSON.
    public var detailsJSON: String

    public init(id: Int64? = nil, evaluationID: Int64, metric: String, value: Double, ciLow: Double? = nil,
                ciHigh: Double? = nil, signature: String, detailsJSON: String = "{}") {
        self.id = id; self.evaluationID = evaluationID; self.metric = metric; self.value = value
        self.ciLow = ciLow; self.ciHigh = ciHigh; self.signature = signature; self.detailsJSON = detailsJSON
    }

    enum CodingKeys: String, CodingKey {
        case id, metric, value, signature
        case evaluationID = "evaluation_id", ciLow = "ci_low", ciHigh = "ci_high", detailsJSON = "details_json"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A generation kept for reuse (table `generation_cache`). `key` is the SHA-256 (hex) of the model's
/// SHA-256, the adapter's SHA-256 (or ""), the rendered prompt and the canonical decoding JSON;
/// the caller computes it (`Corpus.SHA256`), so the store holds no hashing code of its own.
public struct GenerationCacheRecord: Codable, Sendable, Equatable, StoreFetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "generation_cache"
    public var id: Int64?
    public var key: String
    public var output: String
    /// The generated token ids; stored as JSON.
    public var outputIDs: [Int]
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double
    /// Process CPU time spent generating this answer (its share of its batch).
    public var cpuSeconds: Double = 0
    public var createdAt: Date
    /// As on the prediction that first produced it.
    public var finishReason: String?
    public var usageReported: Bool = true

    public init(id: Int64? = nil, key: String, output: String, outputIDs: [Int], promptTokens: Int,
                completionTokens: Int, seconds: Double, cpuSeconds: Double = 0, createdAt: Date = Date(),
                finishReason: String? = nil, usageReported: Bool = true) {
        self.id = id; self.key = key; self.output = output; self.outputIDs = outputIDs
        self.promptTokens = promptTokens; self.completionTokens = completionTokens; self.seconds = seconds
        self.cpuSeconds = cpuSeconds; self.createdAt = createdAt
        self.finishReason = finishReason; self.usageReported = usageReported
    }

    enum CodingKeys: String, CodingKey {
        case id, key, output, seconds
        case outputIDs = "output_ids_json", promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens", createdAt = "created_at", cpuSeconds = "cpu_seconds"
        case finishReason = "finish_reason", usageReported = "usage_reported"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
