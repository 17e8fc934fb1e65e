import Foundation
import TensorKit
import Tokenizer

/// How to continue prompts.
public struct GenerationSettings: Sendable {
    /// New tokens at most per prompt.
    public var maxTokens: Int = 256
    /// 0 is greedy.
    public var temperature: Float = 0
    /// Nucleus sampling mass (1 keeps every token).
    public var topP: Float = 1
    /// Seed of the sampling stream; prompt i samples from its own stream seeded by (seed, i).
    public var seed: UInt64 = 0
    /// Generation stops when the decoded completion contains one of these; it is cut before it.
    public var stopStrings: [String] = []
    /// Token ids that end a completion (the tokenizer's EOS is added when a tokenizer is given).
    public var stopTokens: Set<Int> = []
    /// Sequences decoded together.
    public var batchSize: Int = 32
    /// Also return the K largest logits at the last prompt position.
    public var topLogits: Int = 0
    /// Prefill the prompts' common prefix once (`SharedPrefix`); the answers are the same bits either way.
    public var sharePrefix: Bool = true

    public init(maxTokens: Int = 256, temperature: Float = 0, topP: Float = 1, seed: UInt64 = 0,
                stopStrings: [String] = [], stopTokens: Set<Int> = [], batchSize: Int = 32, topLogits: Int = 0) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stopStrings = stopStrings
        self.stopTokens = stopTokens
        self.batchSize = batchSize
        self.topLogits = topLogits
    }
}

public enum FinishReason: String, Codable, Sendable {
    /// An end-of-sequence token (it is the last of `ids`).
    case eos
    /// A stop string appeared in the text.
    case stop
    /// `maxTokens` or the model's context was reached.
    case length
}

public struct GenerationResult: Sendable {
    /// Generated ids (the EOS token included when it ended the completion).
    public var ids: [Int]
    /// Decoded completion without the EOS token and cut before a stop string.
    public var text: String
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var completionTokens: Int { ids.count }
    /// Wall time from this prompt's prefill to its last token.
    public var seconds: Double
    /// The K largest logits at the last prompt position, largest first.
    public var topLogits: [(id: Int, logit: Float)]
}

public struct GenerationProgress: Sendable {
    public var completed: Int
    public var total: Int
    public var generatedTokens: Int
}

/// Continues many prompts at once: each forward call carries the prefill of newly admitted prompts
/// and one decode token of every running sequence, each at its own position in its own cache slot.
public final class Generator: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: TextTokenizer?

    public init(model: LlamaModel, tokenizer: TextTokenizer?) {
        self.model = model
        self.tokenizer = tokenizer
    }

    private struct Running {
        let index: Int
        let slot: Int
        var position: Int
        var ids: [Int] = []
        var decoder: StreamingDecoder?
        var rng: SeededRandom
        let started: Date
        var topLogits: [(id: Int, logit: Float)] = []
        var pendingToken: Int
        var limit: Int
    }

    public func generate(prompts: [[Int]], settings: GenerationSettings,
                         progress: ((GenerationProgress) -> Void)? = nil) throws -> [GenerationResult] {
        guard !prompts.isEmpty else { return [] }
        let config = model.config
        for prompt in prompts {
            guard !prompt.isEmpty else {
                throw LlamaError.invalidConfig(source: "generate", reason: "a prompt has no tokens; give at least one token")
            }
            guard prompt.count < config.contextLength else {
                throw LlamaError.contextOverflow(needed: prompt.count + 1, limit: config.contextLength)
            }
            for token in prompt where token < 0 || token >= config.vocabSize {
                throw LlamaError.tokenOutOfRange(token: token, vocabSize: config.vocabSize)
            }
        }
        var stopTokens = settings.stopTokens
        if let eos = tokenizer?.eosID { stopTokens.insert(eos) }
        // The vocabulary's other end-of-generation tokens (<|eot_id|>, <end_of_turn>, …), as llama.cpp stops on them.
        for id in tokenizer?.endOfGenerationIDs ?? [] { stopTokens.insert(id) }
        let maxTokens = max(0, settings.maxTokens)
        let slots = max(1, min(settings.batchSize, prompts.count))
        let capacity = min(config.contextLength, prompts.map(\.count).max()! + maxTokens)
        let cache = KVCache(config: config, slots: slots, capacity: capacity)
        let shared = settings.sharePrefix ? try SharedPrefix(prompts: prompts, model: model) : nil

        var results = [GenerationResult?](repeating: nil, count: prompts.count)
        var freeSlots = Array((0..<slots).reversed())
        var next = 0
        var running: [Running] = []
        var completed = 0, generated = 0

        func finish(_ state: Running, _ reason: FinishReason, text: String) {
            results[state.index] = GenerationResult(ids: state.ids, text: text, finishReason: reason,
                                                    promptTokens: prompts[state.index].count,
                                                    seconds: Date().timeIntervalSince(state.started),
                                                    topLogits: state.topLogits)
            freeSlots.append(state.slot)
            completed += 1
            progress?(GenerationProgress(completed: completed, total: prompts.count, generatedTokens: generated))
        }

        while completed < prompts.count {
            // Admit new prompts into free slots (prefill segments), then one token of each runner.
            var admitted: [Running] = []
            while next < prompts.count, let slot = freeSlots.popLast() {
                let prompt = prompts[next]
                let limit = min(maxTokens, capacity - prompt.count)
                let state = Running(index: next, slot: slot, position: 0,
                                    decoder: tokenizer.map { StreamingDecoder(tokenizer: $0) },
                                    rng: SeededRandom(seed: settings.seed &+ UInt64(next) &* 0x9E37_79B9),
                                    started: Date(), pendingToken: -1, limit: limit)
                next += 1
                if limit <= 0 {
                    finish(state, .length, text: "")
                    continue
                }
                admitted.append(state)
            }
            var tokens: [Int] = []
            var segments: [SequenceSegment] = []
            for state in running {
                tokens.append(state.pendingToken)
                segments.append(SequenceSegment(slot: state.slot, start: state.position, count: 1))
            }
            for state in admitted {
                let prompt = prompts[state.index]
                if let shared {
                    shared.copy(into: cache, slot: state.slot)
                    tokens.append(contentsOf: prompt[shared.count...])
                    segments.append(shared.segment(of: prompt, slot: state.slot))
                } else {
                    tokens.append(contentsOf: prompt)
                    segments.append(SequenceSegment(slot: state.slot, start: 0, count: prompt.count))
                }
            }
            guard !segments.isEmpty else { continue }
            let result = try model.forward(tokens: tokens, segments: segments, cache: cache, logitRows: .lastOfEachSegment)
            var stillRunning: [Running] = []
            for (row, var state) in (running + admitted).enumerated() {
                let logits = result.logits.row(row)
                if state.position == 0 {
                    state.position = prompts[state.index].count
                    if settings.topLogits > 0 {
                        state.topLogits = Sampler.topLogits(logits, count: config.vocabSize, k: settings.topLogits)
                    }
                } else {
                    state.position += 1
                }
                let token = Sampler.sample(logits, count: config.vocabSize, temperature: settings.temperature,
                                           topP: settings.topP, rng: &state.rng)
                state.ids.append(token)
                generated += 1
                if stopTokens.contains(token) {
                    _ = state.decoder?.finish()
                    finish(state, .eos, text: state.decoder?.text ?? "")
                    continue
                }
                _ = state.decoder?.append(token)
                if let text = state.decoder?.text, let cut = Self.stopCut(text, settings.stopStrings) {
                    finish(state, .stop, text: String(text[..<cut]))
                    continue
                }
                if state.ids.count >= state.limit {
                    _ = state.decoder?.finish()
                    finish(state, .length, text: state.decoder?.text ?? "")
                    continue
                }
                state.pendingToken = token
                stillRunning.append(state)
            }
            running = stillRunning
        }
        return results.map { $0! }
    }

    /// Where the earliest stop string starts in `text`, if any appears.
    static func stopCut(_ text: String, _ stops: [String]) -> String.Index? {
        var earliest: String.Index?
        for stop in stops where !stop.isEmpty {
            if let range = text.range(of: stop), earliest == nil || range.lowerBound < earliest! {
                earliest = range.lowerBound
            }
        }
        return earliest
    }
}
