import Corpus
import Foundation
import Llama
import Store
import Tokenizer

/// A GGUF (and adapter) generating in this process: prompts rendered with the chat template,
/// answered in batches of similar prompt length, each batch's CPU time shared by its examples.
final class LocalModelSource: AnswerSource {
    let loaded: LoadedModel
    let renderer: ExampleRenderer
    let template: ChatTemplate
    let decoding: DecodingSettings
    let batchSize: Int

    /// Reads the model's metadata, tokenizer and adapter (not its weights: see `prepare`).
    init(modelPath: String, adapterPath: String?, decoding: DecodingSettings, batchSize: Int) throws {
        if let reason = decoding.precision.unavailableReason {
            throw LlamaError.unavailablePrecision(decoding.precision, reason: reason)
        }
        loaded = try LoadedModel.load(modelPath: modelPath, adapterPath: adapterPath)
        template = try ChatTemplate.resolve(decoding.templateSettings, model: ModelChatTemplates(gguf: loaded.file))
        renderer = ExampleRenderer(tokenizer: loaded.tokenizer, template: template,
                                   defaultSystem: loaded.tokenizer.defaultSystemMessage)
        self.decoding = decoding
        self.batchSize = max(1, batchSize)
    }

    var modelRecord: ModelRecord { loaded.modelRecord }
    var adapterRecord: AdapterRecord? { loaded.adapterRecord }
    var displayName: String { loaded.modelRecord.path }

    func requestText(for example: Example) throws -> String { try renderer.promptText(for: example) }

    /// Loads the weights, so a model that cannot load leaves the store untouched.
    func prepare() throws { _ = try loaded.generator(precision: decoding.precision) }

    func answer(indices: [Int], examples: [Example], requestTexts: [String],
                deliver: ([(index: Int, outcome: SourceOutcome)]) throws -> Void) throws {
        var settings = GenerationSettings(maxTokens: decoding.maxTokens, temperature: Float(decoding.temperature),
                                          topP: Float(decoding.topP), seed: decoding.seed)
        settings.stopStrings = template.stopStrings
        // The template's end-of-turn token, EOS and the vocabulary's other end-of-generation tokens
        // (Gemma's <end_of_turn>), as llama.cpp stops on them.
        settings.stopTokens = Set(loaded.tokenizer.stopTokenIDs(for: template))
        settings.batchSize = batchSize
        let ids = try indices.map { try renderer.promptIDs(for: examples[$0]) }
        let order = indices.indices.sorted { ids[$0].count < ids[$1].count }
        for chunkStart in stride(from: 0, to: order.count, by: batchSize) {
            let chunk = Array(order[chunkStart..<min(order.count, chunkStart + batchSize)])
            let cpuBefore = ProcessClock.cpuSeconds()
            let results = try loaded.generator(precision: decoding.precision).generate(prompts: chunk.map { ids[$0] },
                                                                                       settings: settings)
            let cpuShare = (ProcessClock.cpuSeconds() - cpuBefore) / Double(chunk.count)
            try deliver(zip(chunk, results).map { position, result in
                (indices[position], .answered(SourceAnswer(
                    text: result.text, ids: result.ids, promptTokens: result.promptTokens,
                    completionTokens: result.completionTokens, latencySeconds: result.seconds, cpuSeconds: cpuShare)))
            })
        }
    }
}
