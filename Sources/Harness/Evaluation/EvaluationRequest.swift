import Corpus
import Endpoints
import Foundation
import Metrics
import Privacy
import Store
import TensorKit
import Tokenizer

/// Decoding settings that, with the model, adapter and prompt, determine an output. They are part
/// of the evaluation's identity and of every generation-cache key, so they encode canonically.
public struct DecodingSettings: Codable, Sendable, Equatable {
    /// Tokens generated at most per example.
    public var maxTokens: Int = 64
    /// 0 is greedy decoding.
    public var temperature: Double = 0
    public var topP: Double = 1
    public var seed: UInt64 = 0
    /// `auto` (the model's own template), `chatml`, `llama3` or `raw`.
    public var template: String = "auto"
    /// Arithmetic of the projections and the LM head. bf16 and int8 answers may differ from f32 ones, so it
    /// is part of the identity; it is encoded only when not f32, so float32 evaluations keep the
    /// cache keys and identities they had before the setting existed.
    public var precision: ComputePrecision = .f32
    /// Kinds of personal data replaced by placeholders before the prompts are rendered (sorted).
    /// Redacted prompts and references are other inputs, so the kinds are part of the identity;
    /// encoded only when some are chosen, so unredacted evaluations keep their identities and keys.
    public var redact: [RedactionKind] = []
    /// `--template-file`, `--template-var`s and `--template-date`, with the file's SHA-256: other
    /// prompts, so part of the identity and the cache key; encoded only when set, so evaluations
    /// with the model's own template keep their identities and keys.
    public var templateFile: String?
    public var templateSHA256: String?
    public var templateVariables: [String: String] = [:]
    public var templateDate: String?

    /// The template choices as `ChatTemplate.resolve` takes them.
    public var templateSettings: TemplateSettings {
        TemplateSettings(choice: template, file: templateFile, variables: templateVariables, date: templateDate)
    }

    /// Sets the template choices; a template file is read to record its hash.
    public mutating func setTemplate(_ settings: TemplateSettings) throws {
        template = settings.choice
        templateFile = settings.file
        templateSHA256 = try settings.file.map { path in
            do { return try SHA256.hexOfFile(atPath: path) } catch { throw ChatTemplateError.unreadableFile(path) }
        }
        templateVariables = settings.variables
        templateDate = settings.date
    }

    public init(maxTokens: Int = 64, temperature: Double = 0, topP: Double = 1, seed: UInt64 = 0,
                template: String = "auto", precision: ComputePrecision = .f32, redact: [RedactionKind] = []) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.template = template
        self.precision = precision
        self.redact = Array(Set(redact)).sorted()
    }

    enum CodingKeys: String, CodingKey {
        case maxTokens = "max_tokens", temperature, topP = "top_p", seed, template, precision, redact
        case templateFile = "template_file", templateSHA256 = "template_sha256", templateVariables = "template_vars"
        case templateDate = "template_date"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxTokens = try container.decode(Int.self, forKey: .maxTokens)
        temperature = try container.decode(Double.self, forKey: .temperature)
        topP = try container.decode(Double.self, forKey: .topP)
        seed = try container.decode(UInt64.self, forKey: .seed)
        template = try container.decode(String.self, forKey: .template)
        precision = try container.decodeIfPresent(ComputePrecision.self, forKey: .precision) ?? .f32
        redact = try container.decodeIfPresent([RedactionKind].self, forKey: .redact) ?? []
        templateFile = try container.decodeIfPresent(String.self, forKey: .templateFile)
        templateSHA256 = try container.decodeIfPresent(String.self, forKey: .templateSHA256)
        templateVariables = try container.decodeIfPresent([String: String].self, forKey: .templateVariables) ?? [:]
        templateDate = try container.decodeIfPresent(String.self, forKey: .templateDate)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maxTokens, forKey: .maxTokens)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(topP, forKey: .topP)
        try container.encode(seed, forKey: .seed)
        try container.encode(template, forKey: .template)
        if precision != .f32 { try container.encode(precision, forKey: .precision) }
        if !redact.isEmpty { try container.encode(Array(Set(redact)).sorted(), forKey: .redact) }
        try container.encodeIfPresent(templateFile, forKey: .templateFile)
        try container.encodeIfPresent(templateSHA256, forKey: .templateSHA256)
        if !templateVariables.isEmpty { try container.encode(templateVariables, forKey: .templateVariables) }
        try container.encodeIfPresent(templateDate, forKey: .templateDate)
    }

    /// Sorted-key JSON: equal settings always give equal strings.
    public var canonicalJSON: String { (try? CanonicalJSON.string(self)) ?? "{}" }
}

/// Everything `tollgate eval` needs to evaluate one model (and adapter) on one holdout set.
public struct EvaluationRequest: Sendable {
    /// The GGUF model; for an endpoint, how the command line named it (`endpoint:hosted`).
    public var modelPath: String
    /// A model behind an OpenAI-compatible endpoint instead of the GGUF (then `adapterPath` is nil).
    public var endpoint: EndpointConfig?
    /// A route of members tried in order instead of one model (`modelPath` then names it `route:NAME`).
    public var route: RouteSpec?
    /// Share of examples an endpoint may leave unanswered after its retries; above it the
    /// evaluation ends with an infrastructure failure (exit 3). 0: every example must be answered.
    public var maxErrorRate: Double = 0
    /// Dollars the run may spend on endpoints, shared by its evaluations; nil is unlimited.
    public var budget: SpendingBudget?
    /// Where API keys are read from (the process environment; tests pass their own).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// A PEFT adapter folder or a llama.cpp LoRA GGUF.
    public var adapterPath: String?
    /// The holdout JSONL.
    public var dataPath: String
    public var metrics: [MetricKind] = [.exactMatch, .bleu, .chrf]
    /// Answer normalisation for exact match and F1: `strip` trims whitespace only, so a label or a
    /// JSON action must be exactly right; `squad` is SQuAD v1.1's lenient normalisation.
    public var normalize: AnswerNormalization = .strip
    /// The SQLite store (created when missing).
    public var storePath: String = "tollgate.db"
    public var decoding = DecodingSettings()
    /// Prompts generated together (batched decode).
    public var batchSize: Int = 32
    /// Evaluate only the first N examples.
    public var limit: Int?
    /// Evaluate only the examples whose index ≡ shard.index (mod shard.count); `merge` joins the shards.
    public var shard: ShardSelection?
    /// Generate even when the cache holds an answer.
    public var useCache: Bool = true
    /// Price of one CPU-hour, for the cost per 1,000 requests.
    public var cpuHourPrice: Double = EvaluationRequest.defaultCPUHourPrice
    /// Bootstrap resamples for the 95% confidence intervals.
    public var bootstrapResamples: Int = 1000
    /// The command line, recorded with the run.
    public var commandLine: String = CommandLine.arguments.joined(separator: " ")
    /// The experiment this evaluation belongs to, if any.
    public var experiment: String?
    /// Run kind recorded in the store.
    public var runKind: String = "eval"
    /// Record the evaluation under this existing run (an experiment's) instead of a run of its own.
    public var runID: Int64?
    /// Examples built in memory instead of read from `dataPath` (a judge's requests, see `JudgeRun`).
    public var inlineDataset: DatasetFile?
    /// Mixed into every generation-cache key beside the decoding settings: a judge's identity, so one
    /// judge's verdict is never served to another judge that happens to send the same request.
    public var cacheScope: String?
    /// An endpoint's `response_format` (JSON text) sent with every request: a judge's structured-output
    /// constraint (`JudgeConstraint`). Part of the request body, so of every cache key.
    public var responseFormat: String?

    /// USD per CPU-hour: about what one vCPU of a general-purpose cloud VM costs on demand (2026).
    public static let defaultCPUHourPrice = 0.05

    public init(modelPath: String, adapterPath: String? = nil, dataPath: String) {
        self.modelPath = modelPath
        self.adapterPath = adapterPath
        self.dataPath = dataPath
    }

    /// An evaluation of a model behind an endpoint.
    public init(endpoint: EndpointConfig, dataPath: String) {
        self.init(modelPath: "endpoint:\(endpoint.name)", dataPath: dataPath)
        self.endpoint = endpoint
    }
}
