import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends chat completions to one OpenAI-compatible endpoint: at most `max_concurrency` requests in
/// flight, starts spaced by the rate throttles, retries with backoff on 408/429/5xx, dropped
/// connections and timeouts, and an immediate stop on quota errors. One shared HTTP client per
/// endpoint; call `shutdown()` once when done.
///
/// The API key is read from the environment when the client is made and goes only into the
/// `Authorization` header; failure messages have it (and every `${VAR}` header value) removed.
public final class EndpointClient: @unchecked Sendable, CustomStringConvertible {
    public let config: EndpointConfig
    public let backoff: RetryBackoff
    private let http: HTTPClient
    private let authorization: String?
    private let headerTemplates: [(name: String, value: HeaderTemplate)]
    private let environment: [String: String]
    private let redactor: SecretRedactor
    private let limit: ConcurrencyLimit
    private let throttle: RequestThrottle
    private let quotaStop = StopSignal()
    private let shutDown = StopSignal()

    /// Reads the key from `environment[config.apiKeyEnv]`; throws `EndpointSetupError` (naming the
    /// variable, never a value) when it is unset or empty, and when base_url is not http(s), a limit
    /// is out of range, a timeout is not positive, or a header's `${VAR}` is unset.
    public init(config: EndpointConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                backoff: RetryBackoff = RetryBackoff()) throws {
        let setup = EndpointSetupCheck(config: config, environment: environment)
        authorization = try setup.authorization()
        headerTemplates = try setup.headerTemplates()
        try setup.checkLimits()
        self.config = config
        self.backoff = backoff
        self.environment = environment
        redactor = SecretRedactor(secrets: setup.secrets(headerTemplates: headerTemplates.map(\.value)))
        limit = ConcurrencyLimit(limit: config.maxConcurrency)
        throttle = RequestThrottle(requestsPerMinute: config.requestsPerMinute, tokensPerMinute: config.tokensPerMinute)

        var configuration = HTTPClient.Configuration()
        // A redirect would carry the Authorization header to wherever it points.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(config.timeouts.connect * 1000)))
        // The pool's default of 8 connections per host would queue requests the limit allows.
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: config.maxConcurrency)
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public var description: String { "EndpointClient(\(config.displayName))" }

    /// True once a request failed with a quota error: no request starts after that.
    public var stoppedByQuota: Bool { quotaStop.isSet }

    /// Fails with `.unreachable` within the connect timeout when nothing accepts a connection at
    /// base_url's host and port. Any HTTP response to `GET <base_url>/models`, even 404, counts as
    /// reachable; a server that accepts but never answers fails with `.timeout` after the connect
    /// plus first-token timeouts.
    public func checkReachable() async throws {
        var request = HTTPClientRequest(url: config.modelsURL)
        request.method = .GET
        request.headers = headers(accept: "application/json")
        let deadline = config.timeouts.connect + config.timeouts.firstToken
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(deadline * 1000)))
            var read = 0
            for try await buffer in response.body {
                read += buffer.readableBytes
                if read > 1 << 20 { break }
            }
        } catch {
            var failure = AttemptFailure.thrown(error)
            if failure.kind == .exhausted { failure.kind = .unreachable }
            throw self.failure(failure, retries: 0, attempts: 1)
        }
    }

    /// One request, with retries, backoff, throttles and timeouts; waits for a free slot first.
    public func complete(_ request: ChatRequest) async -> Result<ChatAnswer, ChatFailure> {
        guard !quotaStop.isSet else { return .failure(notSent) }
        await limit.acquire()
        defer { limit.release() }
        await throttle.waitForTurn(tokens: request.estimatedTokens)
        guard !quotaStop.isSet else { return .failure(notSent) }
        return await perform(request)
    }

    /// All requests, at most `max_concurrency` in flight, started in index order. `admit(i)` is asked
    /// just before request i is sent (after its slot and the throttles); false stops starting new
    /// ones. After a quota failure nothing new starts. `onResult` is called once per started
    /// request, from any thread, as each finishes; this returns when all started ones have.
    public func completeAll(_ requests: [ChatRequest], admit: @escaping @Sendable (Int) -> Bool = { _ in true },
                            onResult: @escaping @Sendable (Int, Result<ChatAnswer, ChatFailure>) -> Void) async {
        await withDiscardingTaskGroup { group in
            for (index, request) in requests.enumerated() {
                await limit.acquire()
                var go = !quotaStop.isSet && !Task.isCancelled
                if go { await throttle.waitForTurn(tokens: request.estimatedTokens) }
                go = go && !quotaStop.isSet && !Task.isCancelled && admit(index)
                guard go else {
                    limit.release()
                    break
                }
                group.addTask {
                    let result = await self.perform(request)
                    // Reported before the slot frees, so the next `admit` sees it.
                    onResult(index, result)
                    self.limit.release()
                }
            }
        }
    }

    /// Shuts the HTTP client down; later calls do nothing.
    public func shutdown() async {
        guard !shutDown.isSet else { return }
        shutDown.set()
        try? await http.shutdown()
    }

    /// The attempts for one request; the caller holds a slot and has waited for the throttles once.
    private func perform(_ chat: ChatRequest) async -> Result<ChatAnswer, ChatFailure> {
        let body = chat.body(model: config.model, stream: config.stream)
        let started = ContinuousClock.now
        var last: AttemptFailure?
        var attempts = 0
        attempting: for attempt in 0...max(config.retries, 0) {
            if let previous = last {
                let wait = backoff.delay(retry: attempt - 1, retryAfter: previous.retryAfter, unit: Double.random(in: 0..<1))
                do {
                    try await Task.sleep(for: .seconds(wait))
                } catch {
                    last?.message += "; not retried: cancelled"
                    break attempting
                }
                if quotaStop.isSet {
                    last?.message += "; not retried: the run stopped after a quota error"
                    break attempting
                }
                await throttle.waitForTurn(tokens: chat.estimatedTokens)
            }
            attempts += 1
            switch await ChatAttempt(client: http, request: httpRequest(body: body), timeouts: config.timeouts).run() {
            case .answered(var answer):
                answer.retries = attempt
                if let prompt = answer.promptTokens, let completion = answer.completionTokens {
                    throttle.settle(estimatedTokens: chat.estimatedTokens, actualTokens: prompt + completion)
                }
                return .success(answer)
            case .failed(let failure):
                last = failure
                if failure.kind == .quota { quotaStop.set() }
                if !failure.retryable { break attempting }
            }
        }
        // The first attempt always runs, so `last` is set.
        let final = last ?? AttemptFailure(kind: .notSent, retryable: false, message: "not sent")
        var given = failure(final, retries: max(attempts - 1, 0), attempts: attempts)
        given.seconds = ChatAttempt.seconds(since: started)
        return .failure(given)
    }

    private func httpRequest(body: Data) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: config.chatCompletionsURL)
        request.method = .POST
        request.headers = headers(accept: config.stream ? "text/event-stream" : "application/json")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// The one place failures leave the client: one line, secrets removed.
    private func failure(_ failure: AttemptFailure, retries: Int, attempts: Int) -> ChatFailure {
        let suffix = attempts > 1 ? " (after \(attempts) attempts)" : ""
        return ChatFailure(kind: failure.kind, status: failure.status,
                           message: redactor.redact(FailureText.oneLine(failure.message, limit: 400) + suffix), retries: retries)
    }

    private var notSent: ChatFailure {
        ChatFailure(kind: .notSent, status: nil, message: "not sent: the run stopped after a quota error", retries: 0)
    }

    /// Authorization, the endpoint's own headers with `${VAR}` expanded now, and Accept.
    private func headers(accept: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: accept)
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        for (name, template) in headerTemplates {
            headers.replaceOrAdd(name: name, value: template.expand(environment))
        }
        return headers
    }
}
