import ArgumentParser
import Endpoints
import Foundation
import Harness
import Metrics
import Privacy
import Reports

/// `tollgate eval`: score a model (and adapter) on a holdout set; every prediction goes to the store.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on a labelled holdout set and store every prediction.",
        discussion: """
            Re-running an interrupted evaluation picks up where it stopped; an identical evaluation \
            is answered from the generation cache (--no-cache generates again). Cost per 1,000 \
            requests is CPU-seconds per request × --cpu-hour-price (default $\(EvaluationRequest.defaultCPUHourPrice), \
            about one on-demand cloud vCPU-hour).
            """)

    @Option(help: "GGUF model file (or --endpoint).") var model: String?
    @Option(help: "LoRA adapter: a PEFT folder or a llama.cpp LoRA GGUF.") var adapter: String?
    @OptionGroup(title: "Endpoint (instead of --model)") var endpoint: EndpointOptions
    @Option(help: "Holdout JSONL (prompt/completion or messages; optional id and references).") var data: String
    @Option(help: "generation (default), multiple_choice ({context, choices, label}: acc, acc_norm) or perplexity ({text}).")
    var kind: String = "generation"
    @Option(help: "multiple_choice: cut contexts over the model's context from the left (recorded); without it they are an error.")
    var truncateContext: String?
    @Option(help: "Metrics, comma-separated: em, f1, bleu, chrf, chrf++.") var metrics: String = "em,bleu,chrf"
    @Option(help: "Exact-match normalisation: exact, strip or squad.") var normalize: String = "strip"
    @Option(help: "SQLite store.") var store: String = "tollgate.db"
    @Option(help: "Prompts generated together.") var batchSize: Int = 32
    @Option(help: "Largest number of new tokens per example.") var maxTokens: Int = 64
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Double = 0
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @OptionGroup(title: "Chat template") var templateOptions: TemplateOptions
    @Option(help: "Evaluate only the first N examples.") var limit: Int?
    @Option(help: "Evaluate one shard: K/N (indices ≡ K mod N), or auto (Slurm array task, or JOB_COMPLETION_INDEX with --shards).")
    var shard: String?
    @Option(help: "Number of shards, for --shard auto in a Kubernetes Indexed Job.") var shards: Int?
    @Option(help: PrecisionOption.help) var precision: String = "f32"
    @Option(help: "Price of one CPU-hour in dollars, for the cost per 1,000 requests.")
    var cpuHourPrice: Double = EvaluationRequest.defaultCPUHourPrice
    @Flag(help: "Generate even when the cache holds an answer.") var noCache = false
    @Option(help: "Also write the summary as JSON to this file.") var json: String?
    @Option(help: "Replace personal data with placeholders before evaluating, comma-separated: \(RedactionKind.names).")
    var redact: String?

    func validate() throws {
        switch (model, endpoint.endpoint) {
        case (nil, nil): throw ValidationError("Pass --model with a GGUF file, or --endpoint with an OpenAI-compatible /v1 URL.")
        case (.some, .some): throw ValidationError("Pass either --model or --endpoint, not both.")
        default: break
        }
        if endpoint.endpoint != nil && adapter != nil {
            throw ValidationError("--adapter applies to a local --model; an endpoint serves its own weights.")
        }
        try endpoint.validate()
        try validateLogLikelihood()
        _ = try parsedMetrics()
        guard AnswerNormalization(rawValue: normalize) != nil else {
            throw ValidationError("--normalize must be exact, strip or squad.")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1.") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 (greedy) or positive.") }
        guard cpuHourPrice >= 0 else { throw ValidationError("--cpu-hour-price must be 0 or more.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        _ = try PrecisionOption.parse(precision)
        _ = try redactionKinds()
        _ = try shardSelection()
    }

    func shardSelection() throws -> ShardSelection? {
        if shard == nil && shards != nil { throw ValidationError("--shards goes with --shard auto.") }
        guard let shard else { return nil }
        do {
            return try ShardSelection.parse(shard, shards: shards, environment: ProcessInfo.processInfo.environment)
        } catch let error as ShardSelectionError {
            throw ValidationError(error.message + ".")
        }
    }

    func redactionKinds() throws -> [RedactionKind] {
        guard let redact else { return [] }
        do {
            let kinds = try RedactionKind.parseList(redact)
            if kinds.isEmpty { throw ValidationError("--redact needs at least one kind: \(RedactionKind.names).") }
            return kinds
        } catch let error as UnknownRedactionKind {
            throw ValidationError("--redact: \(error.description).")
        }
    }

    func parsedMetrics() throws -> [MetricKind] {
        try metrics.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let kind = MetricKind(rawValue: trimmed) else {
                throw ValidationError("Unknown metric '\(trimmed)' in --metrics; use em, f1, bleu, chrf or chrf++.")
            }
            return kind
        }
    }

    func run() throws {
        if let kind = try logLikelihoodKind() { return try runLogLikelihood(kind) }
        var request = endpoint.config().map { EvaluationRequest(endpoint: $0, dataPath: data) }
            ?? EvaluationRequest(modelPath: model ?? "", adapterPath: adapter, dataPath: data)
        request.maxErrorRate = endpoint.maxErrorRate
        request.budget = endpoint.maxCost.map(SpendingBudget.init(limit:))
        request.metrics = try parsedMetrics()
        request.normalize = AnswerNormalization(rawValue: normalize)!
        request.storePath = store
        request.batchSize = batchSize
        request.decoding = DecodingSettings(maxTokens: maxTokens, temperature: temperature, seed: seed,
                                            precision: try PrecisionOption.parse(precision), redact: try redactionKinds())
        try reportingInvalidInput { try request.decoding.setTemplate(try templateOptions.settings()) }
        request.limit = limit
        request.shard = try shardSelection()
        request.useCache = !noCache
        request.cpuHourPrice = cpuHourPrice
        let bar = ProgressLine(label: "eval")
        let summary = try reportingInvalidInput {
            try Evaluator.run(request) { bar.update(done: $0.completed, total: $0.total, note: "\($0.reused) reused") }
        }
        bar.finish()
        printOutput(EvaluationSummaryTable.render(summary))
        if let json {
            try reportingInvalidInput { try ReportFile.write(try EvaluationSummaryTable.json(summary), to: json) }
        }
    }
}
