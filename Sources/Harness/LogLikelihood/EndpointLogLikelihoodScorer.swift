import Endpoints
import Foundation
import Store

/// Scores multiple-choice items through a completions endpoint that echoes prompt log-probabilities
/// (llama.cpp's server via llama-cpp-python with `--logits_all true`; lm-eval's `--model gguf`
/// request). The split follows lm-eval's `_encode_pair` with the server's tokenizer: the context
/// (trailing whitespace moved to the continuation) is echoed once per item to learn its token count
/// n; each choice's log-likelihood is the sum over the echoed tokens of context + continuation
/// from position n on. A server that cannot echo is an error (exit 2), never a chance-level score.
final class EndpointLogLikelihoodScorer: @unchecked Sendable {
    let client: PromptLogprobsClient

    init(config: EndpointConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        client = try PromptLogprobsClient(config: config, environment: environment)
    }

    deinit {
        let client = client
        let done = DispatchSemaphore(value: 0)
        Task.detached { await client.shutdown(); done.signal() }
        done.wait()
    }

    var modelRecord: ModelRecord {
        ModelRecord(path: client.config.displayName, sha256: EndpointIdentity.sha256(client.config),
                    architecture: EndpointIdentity.architecture, quantization: "endpoint", parameterCount: 0)
    }

    /// Per item, per choice; `max_concurrency` items in flight.
    func score(_ items: [MultipleChoiceItem]) throws -> [[ContinuationScore]] {
        let box = ResultBox<[[ContinuationScore]]>()
        let done = DispatchSemaphore(value: 0)
        let concurrency = max(1, client.config.maxConcurrency)
        Task.detached { [self] in
            do {
                var results = [[ContinuationScore]?](repeating: nil, count: items.count)
                try await withThrowingTaskGroup(of: (Int, [ContinuationScore]).self) { group in
                    var next = 0
                    while next < min(concurrency, items.count) {
                        let index = next
                        group.addTask { (index, try await self.scoreItem(items[index])) }
                        next += 1
                    }
                    while let (index, scores) = try await group.next() {
                        results[index] = scores
                        if next < items.count {
                            let index = next
                            group.addTask { (index, try await self.scoreItem(items[index])) }
                            next += 1
                        }
                    }
                }
                box.value = .success(results.map { $0! })
            } catch {
                box.value = .failure(error)
            }
            done.signal()
        }
        done.wait()
        do {
            return try box.value!.get()
        } catch let PromptLogprobsError.failed(endpoint, reason) {
            // Unreachable or failing past its retries: infrastructure (exit 3), no score.
            throw InfrastructureFailure(message: "\(endpoint): prompt log-probabilities failed after \(client.config.retries) retries: "
                + "\(reason); no decision — run the same command again")
        }
    }

    private func scoreItem(_ item: MultipleChoiceItem) async throws -> [ContinuationScore] {
        let (context, moved) = ContinuationSplit.movingTrailingWhitespace(item.context)
        guard !context.isEmpty else {
            throw LogLikelihoodError.bosMismatch(example: item.id, reason: "an empty context needs the prefix token, which an endpoint's text prompt cannot carry")
        }
        let contextTokens = try await client.promptLogprobs(context).tokens.count
        var scores: [ContinuationScore] = []
        for k in item.choices.indices {
            let whole = try await client.promptLogprobs(context + moved + item.continuation(k))
            guard whole.tokens.count > contextTokens else {
                throw LogLikelihoodError.emptyContinuation(example: item.id, choice: k, context: item.context,
                                                           continuation: item.continuation(k))
            }
            let range = contextTokens..<whole.tokens.count
            scores.append(ContinuationScore(logLikelihood: range.reduce(0) { $0 + (whole.logprobs[$1] ?? 0) },
                                            isGreedy: range.allSatisfy { whole.isTop[$0] ?? false }, tokens: range.count))
        }
        return scores
    }
}

/// A value handed from a detached task to the thread waiting for it.
private final class ResultBox<T>: @unchecked Sendable {
    var value: Result<T, Error>?
}
