import Corpus
import Foundation
import Metrics
import Store
import TensorKit

/// How far an evaluation has got, for a progress bar.
public struct EvaluationProgress: Sendable {
    public var completed: Int
    public var total: Int
    /// Answered from the generation cache or stored by an earlier, interrupted process.
    public var reused: Int
    public var generatedTokens: Int
    public var elapsedSeconds: Double
}

/// `tollgate eval`: answer a holdout set with a model (a GGUF here or an endpoint), store every
/// prediction as it is made, score it, and summarise quality, speed and cost.
///
/// Order of work: the dataset, the store and the model's definition are validated before anything
/// is generated, so bad input costs nothing; weights are loaded and an endpoint is checked before
/// the first row is written. Results are committed a batch at a time, so a killed process loses at
/// most the batch in flight and a re-run takes over where it stopped. Answers are cached under
/// (model or endpoint identity, adapter, decoding settings, prompt or request body), so an
/// identical evaluation is answered without generating. Requests an endpoint failed are stored as
/// failures, not answers, and a later run retries only those.
public enum Evaluator {
    public static func run(_ request: EvaluationRequest,
                           progress: (EvaluationProgress) -> Void = { _ in }) throws -> EvaluationSummary {
        let started = Date()
        // 1. Input that can be checked without generating.
        let dataset = try request.inlineDataset ?? DatasetFile.load(path: request.dataPath, purpose: .evaluation)
        var examples = request.redacted(dataset.examples)
        if let limit = request.limit { examples = Array(examples.prefix(max(0, limit))) }
        // A shard answers its slice of the dataset's indices; the indices stay the dataset's own.
        let slot = request.shard.map { ShardSlot(index: $0.index, count: $0.count, totalExamples: examples.count,
                                                 scoringJSON: request.scoring.canonicalJSON) }
        let selected = slot?.indices ?? Array(examples.indices)
        let source = try makeSource(request)
        let store = try TollgateStore(path: request.storePath)

        // 2. Requests and cache keys; what must be generated is made ready before any row is written.
        let requestTexts = try examples.map { try source.requestText(for: $0) }
        let keys = requestTexts.map {
            SHA256.generationKey(modelSHA256: source.modelRecord.sha256, adapterSHA256: source.adapterRecord?.sha256,
                                 decodingJSON: request.decoding.canonicalJSON + (request.cacheScope.map { "\n" + $0 } ?? ""),
                                 prompt: $0)
        }
        let cached = request.useCache && source.usesEvaluationCache ? try store.cachedGenerations(keys: keys) : [:]
        if selected.contains(where: { cached[keys[$0]] == nil }) { try source.prepare() }

        // 3. Provenance rows, the run, and the evaluation (new, or one a dead process left unfinished).
        let modelID = try store.upsertModel(source.modelRecord)
        let adapterID = try source.adapterRecord.map { try store.upsertAdapter($0) }
        let datasetID = try store.upsertDataset(DatasetRecord(
            name: dataset.name, split: dataset.split, path: dataset.path, sha256: dataset.sha256,
            exampleCount: examples.count))
        let ownsRun = request.runID == nil
        let runID = try request.runID ?? store.beginRun(RunRecord(
            experiment: request.experiment, kind: request.runKind, commandLine: request.commandLine,
            configJSON: request.decoding.canonicalJSON, toolVersion: TollgateVersion.string,
            gitCommit: GitRevision.current(), threads: Parallel.threads))
        do {
            let start = try store.findOrCreateEvaluation(runID: runID, modelID: modelID, adapterID: adapterID,
                                                         datasetID: datasetID, decodingJSON: request.decoding.canonicalJSON,
                                                         shard: slot)
            let context = GenerationContext(request: request, store: store, source: source, examples: examples,
                                            selected: selected,
                                            requestTexts: requestTexts, keys: keys, evaluationID: start.evaluationID,
                                            started: started)
            let generation = try generateMissing(context, cached: cached, alreadyStored: start.existingPredictionIndices,
                                                 progress: progress)
            let failures = try store.requestFailures(evaluationID: start.evaluationID)
            if let stop = source.stopReason {
                try store.finishEvaluation(id: start.evaluationID, status: .failed)
                throw InfrastructureFailure(message: stop)
            }
            let errorRate = selected.isEmpty ? 0 : Double(failures.count) / Double(selected.count)
            if errorRate > request.maxErrorRate + 1e-12, let last = failures.last {
                try store.finishEvaluation(id: start.evaluationID, status: .failed)
                throw InfrastructureFailure(message: "\(source.displayName): \(failures.count) of \(selected.count) requests "
                    + "failed after their retries (error rate \(String(format: "%.3f", errorRate)), over max_error_rate "
                    + "\(request.maxErrorRate)); last error: \(last.message); no decision — run the same command again "
                    + "to retry only the failed examples")
            }
            let summary = try summarise(context, failures: failures, dataset: dataset, runID: runID, generation: generation)
            try store.finishEvaluation(id: start.evaluationID, status: .completed)
            if ownsRun { try store.finishRun(id: runID, status: .succeeded) }
            return summary
        } catch {
            if ownsRun { try? store.finishRun(id: runID, status: .failed) }
            throw error
        }
    }

    /// The GGUF (and adapter) or the endpoint the request names.
    static func makeSource(_ request: EvaluationRequest) throws -> AnswerSource {
        if let route = request.route { return try RouteSource(spec: route, request: request) }
        if let endpoint = request.endpoint {
            return try EndpointSource(config: endpoint, decoding: request.decoding, budget: request.budget,
                                      environment: request.environment, responseFormat: request.responseFormat)
        }
        return try LocalModelSource(modelPath: request.modelPath, adapterPath: request.adapterPath,
                                    decoding: request.decoding, batchSize: request.batchSize)
    }

    /// What one evaluation generates with, passed along instead of a dozen arguments.
    struct GenerationContext {
        var request: EvaluationRequest
        var store: TollgateStore
        var source: AnswerSource
        var examples: [Example]
        /// Indices this process answers: all of them, or its shard's.
        var selected: [Int]
        var requestTexts: [String]
        var keys: [String]
        var evaluationID: Int64
        var started: Date
    }

    /// What the generation phase did, for the summary's speed and cost figures.
    struct GenerationTally {
        var generated = 0
        var reused = 0
        var failed = 0
        var generatedTokens = 0
        var generationSeconds = 0.0
    }

    private static func generateMissing(_ context: GenerationContext, cached: [String: GenerationCacheRecord],
                                        alreadyStored: Set<Int>,
                                        progress: (EvaluationProgress) -> Void) throws -> GenerationTally {
        let examples = context.examples, store = context.store
        var tally = GenerationTally()
        tally.reused = alreadyStored.count
        var pending = Set(context.selected.filter { !alreadyStored.contains($0) })
        func report() {
            progress(EvaluationProgress(completed: context.selected.count - pending.count, total: context.selected.count,
                                        reused: tally.reused, generatedTokens: tally.generatedTokens,
                                        elapsedSeconds: Date().timeIntervalSince(context.started)))
        }

        // Answers already in the cache are stored at once, in one transaction.
        let hits = pending.sorted().filter { cached[context.keys[$0]] != nil }
        if !hits.isEmpty {
            let rows = hits.map { index -> PredictionRecord in
                let hit = cached[context.keys[index]]!
                var row = prediction(context, index: index, answer: SourceAnswer(
                    text: hit.output, ids: hit.outputIDs, promptTokens: hit.usageReported ? hit.promptTokens : nil,
                    completionTokens: hit.usageReported ? hit.completionTokens : nil, latencySeconds: hit.seconds,
                    finishReason: hit.finishReason, cpuSeconds: hit.cpuSeconds))
                row.fromCache = true
                return row
            }
            try store.recordOutcomes(predictions: rows, failures: [])
            tally.reused += hits.count
            pending.subtract(hits)
        }
        report()

        // The rest from the source, each batch committed as it arrives.
        let wallBefore = Date()
        try context.source.answer(indices: pending.sorted(), examples: examples, requestTexts: context.requestTexts) { batch in
            var rows: [PredictionRecord] = [], failures: [RequestFailureRecord] = [], cacheRows: [GenerationCacheRecord] = []
            for (index, outcome) in batch {
                switch outcome {
                case .answered(let answer):
                    rows.append(prediction(context, index: index, answer: answer))
                    if context.source.usesEvaluationCache { cacheRows.append(GenerationCacheRecord(
                        key: context.keys[index], output: answer.text, outputIDs: answer.ids,
                        promptTokens: answer.promptTokens ?? 0, completionTokens: answer.completionTokens ?? 0,
                        seconds: answer.latencySeconds, cpuSeconds: answer.cpuSeconds, finishReason: answer.finishReason,
                        usageReported: answer.promptTokens != nil && answer.completionTokens != nil)) }
                    if answer.fromCache { tally.reused += 1; break }
                    tally.generatedTokens += answer.completionTokens ?? 0
                    tally.generated += 1
                case let .failed(kind, httpStatus, message, retries, _):
                    failures.append(RequestFailureRecord(
                        evaluationID: context.evaluationID, exampleIndex: index, exampleID: examples[index].id, kind: kind,
                        httpStatus: httpStatus, message: message, retries: retries))
                    tally.failed += 1
                }
                pending.remove(index)
            }
            try store.recordOutcomes(predictions: rows, failures: failures, routeSteps: context.source.takeRouteSteps(
                for: batch.map(\.index), evaluationID: context.evaluationID))
            try store.storeGenerations(cacheRows)
            report()
        }
        tally.generationSeconds = tally.generated > 0 ? Date().timeIntervalSince(wallBefore) : 0
        return tally
    }

    private static func prediction(_ context: GenerationContext, index: Int, answer: SourceAnswer) -> PredictionRecord {
        let example = context.examples[index], request = context.request
        var row = PredictionRecord(
            evaluationID: context.evaluationID, exampleIndex: index, exampleID: example.id,
            prompt: context.requestTexts[index], output: answer.text, references: example.references,
            scores: PredictionScoring.exampleScores(kinds: request.metrics, normalize: request.normalize,
                                                    output: answer.text, references: example.references),
            latencySeconds: answer.latencySeconds, promptTokens: answer.promptTokens ?? 0,
            completionTokens: answer.completionTokens ?? 0, fromCache: false, cpuSeconds: answer.cpuSeconds)
        row.timeToFirstTokenSeconds = answer.timeToFirstTokenSeconds
        row.retries = answer.retries
        row.finishReason = answer.finishReason
        row.usageReported = answer.promptTokens != nil && answer.completionTokens != nil
        row.costUSD = answer.costUSD
        row.fromCache = answer.fromCache
        return row
    }
}
