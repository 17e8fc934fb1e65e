import Corpus
import Foundation
import Llama
import Metrics
import ModelIO
import Store
import Tokenizer

/// How far an evaluation has got, for a progress bar.
public struct EvaluationProgress: Sendable {
    public var completed: Int
    public var total: Int
    /// Answered from the generation cache or stored by an earlier, interrupted process.
    public var reused: Int
    public var generatedTokens: Int
    public var elapsedSeconds: Double
}

/// `tollgate eval`: generate answers for a holdout set, store every prediction as it is made,
/// score it, and summarise quality, speed and cost.
///
/// Order of work: the dataset and the store are validated before the model is touched, so bad
/// input costs nothing. Predictions are committed a batch at a time, so a killed process loses at
/// most the batch in flight and a re-run takes over where it stopped. Answers are cached under
/// (model hash, adapter hash, decoding settings, prompt), so an identical evaluation is answered
/// without generating.
public enum Evaluator {
    public static func run(_ request: EvaluationRequest,
                           progress: (EvaluationProgress) -> Void = { _ in }) throws -> EvaluationSummary {
        let started = Date()
        // 1. Input that can be checked without the model.
        if let reason = request.decoding.precision.unavailableReason {
            throw LlamaError.unavailablePrecision(request.decoding.precision, reason: reason)
        }
        let dataset = try DatasetFile.load(path: request.dataPath, purpose: .evaluation)
        var examples = request.redacted(dataset.examples)
        if let limit = request.limit { examples = Array(examples.prefix(max(0, limit))) }
        let store = try TollgateStore(path: request.storePath)

        // 2. The model, its tokenizer and the adapter.
        let loaded = try LoadedModel.load(modelPath: request.modelPath, adapterPath: request.adapterPath)
        let template = try ChatTemplate.resolve(request.decoding.template, model: loaded.tokenizer.chatTemplateSource)
        let renderer = ExampleRenderer(tokenizer: loaded.tokenizer, template: template,
                                       defaultSystem: loaded.tokenizer.defaultSystemMessage)
        let prompts = try examples.map { try renderer.promptText(for: $0) }
        let keys = prompts.map {
            SHA256.generationKey(modelSHA256: loaded.modelRecord.sha256, adapterSHA256: loaded.adapterRecord?.sha256,
                                 decodingJSON: request.decoding.canonicalJSON, prompt: $0)
        }
        // Weights that will be needed are loaded before any row is written, so a model that cannot
        // load leaves the store untouched; an evaluation the cache answers in full never loads them.
        let cached = request.useCache ? try store.cachedGenerations(keys: keys) : [:]
        if keys.contains(where: { cached[$0] == nil }) { _ = try loaded.generator(precision: request.decoding.precision) }

        // 3. Provenance rows, the run, and the evaluation (new, or one a dead process left unfinished).
        let modelID = try store.upsertModel(loaded.modelRecord)
        let adapterID = try loaded.adapterRecord.map { try store.upsertAdapter($0) }
        let datasetID = try store.upsertDataset(DatasetRecord(
            name: dataset.name, split: dataset.split, path: dataset.path, sha256: dataset.sha256,
            exampleCount: examples.count))
        let ownsRun = request.runID == nil
        let runID = try request.runID ?? store.beginRun(RunRecord(
            experiment: request.experiment, kind: request.runKind, commandLine: request.commandLine,
            configJSON: request.decoding.canonicalJSON, toolVersion: TollgateVersion.string,
            gitCommit: GitRevision.current(), threads: ProcessInfo.processInfo.activeProcessorCount))
        do {
            let start = try store.findOrCreateEvaluation(runID: runID, modelID: modelID, adapterID: adapterID,
                                                         datasetID: datasetID, decodingJSON: request.decoding.canonicalJSON)
            let generation = try generateMissing(
                request: request, store: store, loaded: loaded, renderer: renderer, template: template,
                examples: examples, prompts: prompts, keys: keys, cached: cached, evaluationID: start.evaluationID,
                alreadyStored: start.existingPredictionIndices, started: started, progress: progress)
            let summary = try summarise(request: request, store: store, evaluationID: start.evaluationID, runID: runID,
                                        loaded: loaded, dataset: dataset, generation: generation, started: started)
            try store.finishEvaluation(id: start.evaluationID, status: .completed)
            if ownsRun { try store.finishRun(id: runID, status: .succeeded) }
            return summary
        } catch {
            if ownsRun { try? store.finishRun(id: runID, status: .failed) }
            throw error
        }
    }

    /// What the generation phase did, for the summary's speed and cost figures.
    struct GenerationTally {
        var generated = 0
        var reused = 0
        var generatedTokens = 0
        var generationSeconds = 0.0
        var cpuSeconds = 0.0
    }

    private static func generateMissing(
        request: EvaluationRequest, store: TollgateStore, loaded: LoadedModel, renderer: ExampleRenderer,
        template: ChatTemplate, examples: [Example], prompts: [String], keys: [String],
        cached: [String: GenerationCacheRecord], evaluationID: Int64,
        alreadyStored: Set<Int>, started: Date, progress: (EvaluationProgress) -> Void
    ) throws -> GenerationTally {
        var tally = GenerationTally()
        tally.reused = alreadyStored.count
        var pending = examples.indices.filter { !alreadyStored.contains($0) }
        func report() {
            progress(EvaluationProgress(completed: examples.count - pending.count, total: examples.count,
                                        reused: tally.reused, generatedTokens: tally.generatedTokens,
                                        elapsedSeconds: Date().timeIntervalSince(started)))
        }

        // Answers already in the cache are stored at once, in one transaction.
        if !pending.isEmpty {
            let hits = pending.filter { cached[keys[$0]] != nil }
            let rows = hits.map { index -> PredictionRecord in
                let hit = cached[keys[index]]!
                return prediction(evaluationID: evaluationID, index: index, example: examples[index], prompt: prompts[index],
                                  output: hit.output, kinds: request.metrics, normalize: request.normalize, seconds: hit.seconds,
                                  cpuSeconds: hit.cpuSeconds, promptTokens: hit.promptTokens,
                                  completionTokens: hit.completionTokens, fromCache: true)
            }
            try store.insertPredictions(rows)
            tally.reused += hits.count
            let hitSet = Set(hits)
            pending.removeAll { hitSet.contains($0) }
        }
        report()

        // The rest in batches of similar prompt length; each batch is committed before the next starts.
        var settings = GenerationSettings(maxTokens: request.decoding.maxTokens, temperature: Float(request.decoding.temperature),
                                          topP: Float(request.decoding.topP), seed: request.decoding.seed)
        settings.stopStrings = template.stopStrings
        if let eos = loaded.tokenizer.eosID { settings.stopTokens = [eos] }
        settings.batchSize = max(1, request.batchSize)
        let queue = pending  // example indices still to generate
        let ids = try queue.map { try renderer.promptIDs(for: examples[$0]) }
        let order = queue.indices.sorted { ids[$0].count < ids[$1].count }
        for chunkStart in stride(from: 0, to: order.count, by: settings.batchSize) {
            let chunk = Array(order[chunkStart..<min(order.count, chunkStart + settings.batchSize)])
            let cpuBefore = ProcessClock.cpuSeconds(), wallBefore = Date()
            let results = try loaded.generator(precision: request.decoding.precision).generate(prompts: chunk.map { ids[$0] }, settings: settings)
            let cpu = ProcessClock.cpuSeconds() - cpuBefore
            tally.generationSeconds += Date().timeIntervalSince(wallBefore)
            tally.cpuSeconds += cpu
            var rows: [PredictionRecord] = []
            var cacheRows: [GenerationCacheRecord] = []
            for (position, result) in zip(chunk, results) {
                let index = queue[position]
                rows.append(prediction(evaluationID: evaluationID, index: index, example: examples[index],
                                       prompt: prompts[index], output: result.text, kinds: request.metrics,
                                       normalize: request.normalize, seconds: result.seconds,
                                       cpuSeconds: cpu / Double(chunk.count), promptTokens: result.promptTokens,
                                       completionTokens: result.completionTokens, fromCache: false))
                cacheRows.append(GenerationCacheRecord(key: keys[index], output: result.text, outputIDs: result.ids,
                                                       promptTokens: result.promptTokens,
                                                       completionTokens: result.completionTokens, seconds: result.seconds,
                                                       cpuSeconds: cpu / Double(chunk.count)))
                tally.generatedTokens += result.completionTokens
            }
            try store.insertPredictions(rows)
            try store.storeGenerations(cacheRows)
            tally.generated += chunk.count
            let done = Set(chunk.map { queue[$0] })
            pending.removeAll { done.contains($0) }
            report()
        }
        return tally
    }

    private static func prediction(evaluationID: Int64, index: Int, example: Example, prompt: String, output: String,
                                   kinds: [MetricKind], normalize: AnswerNormalization, seconds: Double,
                                   cpuSeconds: Double, promptTokens: Int, completionTokens: Int,
                                   fromCache: Bool) -> PredictionRecord {
        PredictionRecord(evaluationID: evaluationID, exampleIndex: index, exampleID: example.id, prompt: prompt,
                         output: output, references: example.references,
                         scores: PredictionScoring.exampleScores(kinds: kinds, normalize: normalize, output: output, references: example.references),
                         latencySeconds: seconds, promptTokens: promptTokens, completionTokens: completionTokens,
                         fromCache: fromCache, cpuSeconds: cpuSeconds)
    }
}
