import Corpus
import Endpoints
import Foundation
import Store

/// A model behind an OpenAI-compatible endpoint. Each example becomes one chat request (a
/// prompt/completion pair is one user turn; the server applies its own template); the request body
/// is what is stored and hashed, so an answer is never served for another endpoint, model or setting.
final class EndpointSource: AnswerSource {
    let config: EndpointConfig
    let decoding: DecodingSettings
    /// The `response_format` every request carries (a judge's constraint), or nil.
    let responseFormat: String?
    let client: EndpointClient
    /// Shared by every evaluation of a run; nil is unlimited.
    let budget: SpendingBudget?
    /// Set when the run must stop with exit 3 (quota, budget): the evaluator reports it after storing what it has.
    private(set) var stopReason: String?
    /// True when the stop is the spending budget's (a route does not fail over on it).
    private(set) var budgetReached = false

    /// Checks the definition and that its key's variable is set (exit 2 otherwise); sends nothing.
    init(config: EndpointConfig, decoding: DecodingSettings, budget: SpendingBudget?,
         environment: [String: String] = ProcessInfo.processInfo.environment, responseFormat: String? = nil) throws {
        self.config = config
        self.decoding = decoding
        self.responseFormat = responseFormat
        self.budget = budget
        client = try EndpointClient(config: config, environment: environment)
    }

    deinit {
        let client = client
        let done = DispatchSemaphore(value: 0)
        Task.detached { await client.shutdown(); done.signal() }
        done.wait()
    }

    var displayName: String { config.displayName }

    var modelRecord: ModelRecord {
        ModelRecord(path: displayName, sha256: EndpointIdentity.sha256(config), architecture: EndpointIdentity.architecture,
                    quantization: "endpoint", parameterCount: 0)
    }

    var adapterRecord: AdapterRecord? { nil }

    func chatRequest(for example: Example) -> ChatRequest {
        let messages = (example.promptMessages ?? []).map { Endpoints.ChatMessage(role: $0.role, content: $0.content) }
        return ChatRequest(messages: messages, maxTokens: decoding.maxTokens, temperature: decoding.temperature,
                           topP: decoding.topP == 1 ? nil : decoding.topP,
                           seed: decoding.temperature > 0 ? decoding.seed : nil, responseFormat: responseFormat)
    }

    func requestText(for example: Example) throws -> String {
        String(decoding: chatRequest(for: example).body(model: config.model, stream: config.stream), as: UTF8.self)
    }

    /// An endpoint nothing answers at is an infrastructure failure before any row is written.
    func prepare() throws {
        let client = client
        let result = BlockingAsync.run { () async -> Result<Void, Error> in
            do { try await client.checkReachable(); return .success(()) } catch { return .failure(error) }
        }
        if case .failure(let error) = result {
            let reason = (error as? ChatFailure)?.message ?? String(describing: error)
            throw InfrastructureFailure(message: "endpoint \(displayName) is unreachable (\(reason)); "
                + "check base_url and that the server is up, then run again")
        }
    }

    func answer(indices: [Int], examples: [Example], requestTexts: [String],
                deliver: ([(index: Int, outcome: SourceOutcome)]) throws -> Void) throws {
        let requests = indices.map { chatRequest(for: examples[$0]) }
        let price = config.price
        let budget = budget
        let inbox = EndpointInbox(constrained: responseFormat != nil)
        let client = client
        // An endpoint that stops accepting connections fails each later request only after
        // (retries + 1) connect timeouts; once one request found it unreachable, no more are sent.
        let admit: @Sendable (Int) -> Bool = { position in
            if inbox.sawUnreachable || inbox.sawFormatRejected { return false }
            guard let budget else { return true }
            return budget.reserve(estimate: EndpointSource.worstCaseCost(requests[position], price: price))
        }
        let task = Task.detached {
            await client.completeAll(requests, admit: admit) { position, result in inbox.put(position, result) }
            inbox.finish()
        }
        // Deliver what has arrived every half second (or 16 answers), on this thread, so the store
        // is written as answers come in and an interrupted run keeps them. A store that fails stops
        // the requests still to be sent.
        var delivered = Set<Int>()
        var finished = false
        while !finished {
            let batch = inbox.take(atLeast: 16, waitingAtMost: 0.5)
            finished = batch.finished
            let outcomes = batch.results.map { position, result -> (index: Int, outcome: SourceOutcome) in
                delivered.insert(position)
                return (indices[position], outcome(result, request: requests[position]))
            }
            do {
                if !outcomes.isEmpty { try deliver(outcomes) }
            } catch {
                task.cancel()
                BlockingAsync.run { await task.value }
                throw error
            }
        }
        BlockingAsync.run { await task.value }
        // Requests never sent: the run stopped (quota) or the spending budget would have been passed.
        let unsent = indices.indices.filter { !delivered.contains($0) }
        guard !unsent.isEmpty else { return }
        let why: String
        if stopReason != nil {
            why = "not sent: the run stopped after the endpoint failed (quota or unreachable)"
        } else {
            let limit = String(format: "%.2f", budget?.limit ?? 0)
            budgetReached = true
            why = "not sent: the spending budget of $\(limit) would have been passed"
            stopReason = "the spending budget of $\(limit) is reached ($" + String(format: "%.4f", budget?.spent ?? 0)
                + " spent); \(unsent.count) requests to \(displayName) were not sent; raise budgets.max_cost "
                + "(or --max-cost) and run again to complete them"
        }
        try deliver(unsent.map { (indices[$0], .failed(kind: "not_sent", httpStatus: nil, message: why, retries: 0)) })
    }

    /// An answer priced by the endpoint's prices, or a failure; a quota error or an endpoint that
    /// went away sets the reason the run stops with.
    private func outcome(_ result: Result<ChatAnswer, ChatFailure>, request: ChatRequest) -> SourceOutcome {
        let estimate = EndpointSource.worstCaseCost(request, price: config.price)
        switch result {
        case .success(let answer):
            let cost = config.price?.cost(promptTokens: answer.promptTokens, completionTokens: answer.completionTokens)
            budget?.settle(estimate: estimate, actual: cost ?? 0)
            return .answered(SourceAnswer(
                text: answer.text, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens,
                latencySeconds: answer.latencySeconds, timeToFirstTokenSeconds: answer.timeToFirstTokenSeconds,
                retries: answer.retries, finishReason: answer.finishReason, costUSD: cost))
        case .failure(let failure):
            budget?.settle(estimate: estimate, actual: 0)
            if failure.kind == .quota, stopReason == nil {
                stopReason = "endpoint \(displayName) reports its quota is used up (\(failure.message)); "
                    + "raise the quota or wait, then run again to complete the missing examples"
            }
            if responseFormat != nil, EndpointInbox.rejectsFormat(failure), stopReason == nil {
                stopReason = "\(displayName) rejected the structured-output field response_format "
                    + "\(EndpointSource.formatType(responseFormat)) (\(failure.message.prefix(200))); set the judge's constrain: "
                    + "to json_object (llama-cpp-python's form) or off, then run again"
            }
            if failure.kind == .unreachable, stopReason == nil {
                stopReason = "endpoint \(displayName) stopped accepting connections during the run (\(failure.message)); "
                    + "check that the server is up, then run again to complete the missing examples"
            }
            return .failed(kind: failure.kind.rawValue, httpStatus: failure.status, message: failure.message,
                           retries: failure.retries, seconds: failure.seconds)
        }
    }

    /// "json_schema" from a response_format's JSON text, for messages.
    static func formatType(_ responseFormat: String?) -> String {
        let object = responseFormat.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]
        return "{type: \((object?["type"] as? String) ?? "?")}"
    }

    /// The most a request can cost: its prompt estimate plus every allowed completion token.
    static func worstCaseCost(_ request: ChatRequest, price: EndpointPrice?) -> Double {
        guard let price else { return 0 }
        let promptEstimate = request.estimatedTokens - request.maxTokens
        return price.cost(promptTokens: promptEstimate, completionTokens: request.maxTokens) ?? 0
    }
}

/// Results handed from the client's tasks to the evaluating thread.
final class EndpointInbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [(Int, Result<ChatAnswer, ChatFailure>)] = []
    private var done = false
    private var unreachable = false
    /// The requests carry a response_format, which a server may refuse.
    private let constrained: Bool
    private var formatRejected = false

    init(constrained: Bool = false) { self.constrained = constrained }

    /// True once a request failed because nothing accepted its connection.
    var sawUnreachable: Bool { condition.lock(); defer { condition.unlock() }; return unreachable }
    /// True once the server refused a request's response_format: every other request would be refused too.
    var sawFormatRejected: Bool { condition.lock(); defer { condition.unlock() }; return formatRejected }

    /// A failure that says the server does not take the response_format: a 4xx retrying cannot fix,
    /// or an error naming the field (llama-cpp-python answers an unknown type with a 500 that does).
    static func rejectsFormat(_ failure: ChatFailure) -> Bool {
        failure.kind == .rejected && [400, 422].contains(failure.status ?? 0) || failure.message.contains("response_format")
    }

    func put(_ position: Int, _ result: Result<ChatAnswer, ChatFailure>) {
        condition.lock()
        results.append((position, result))
        if case .failure(let failure) = result, failure.kind == .unreachable { unreachable = true }
        if constrained, case .failure(let failure) = result, EndpointInbox.rejectsFormat(failure) { formatRejected = true }
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock(); done = true; condition.signal(); condition.unlock()
    }

    /// Waits until `atLeast` results, the end, or the time has passed; returns what has arrived.
    func take(atLeast count: Int, waitingAtMost seconds: Double) -> (results: [(Int, Result<ChatAnswer, ChatFailure>)], finished: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while results.count < count && !done {
            if !condition.wait(until: deadline) { break }
        }
        let taken = results
        results.removeAll()
        // The client reports every result before `finish`, so once done nothing more can arrive.
        return (taken, done)
    }
}
