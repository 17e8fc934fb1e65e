import Endpoints
import Foundation
import XCTest

/// Runs `body` against a fresh `FaultServer` and a client for it; both are shut down afterwards,
/// whether the body throws or not.
func withEndpoint<T>(script: [String: [Fault]] = [:], environment: [String: String] = [:],
                     configure: (inout EndpointConfig) -> Void = { _ in },
                     _ body: (EndpointClient, FaultServer) async throws -> T) async throws -> T {
    let server = try await FaultServer.start(script: script)
    var config = EndpointConfig(name: "test", baseURL: server.baseURL, model: "test-model")
    config.timeouts = EndpointTimeouts(connect: 2, firstToken: 5, total: 10)
    config.retries = 3
    configure(&config)
    let client: EndpointClient
    do {
        client = try EndpointClient(config: config, environment: environment, backoff: fastBackoff)
    } catch {
        await server.stop()
        throw error
    }
    do {
        let result = try await body(client, server)
        await client.shutdown()
        await server.stop()
        return result
    } catch {
        await client.shutdown()
        await server.stop()
        throw error
    }
}

/// Retries a few milliseconds apart, so fault tests take no time; Retry-After is still honoured.
let fastBackoff = RetryBackoff(base: 0.01, cap: 0.05, retryAfterCap: 120)

func chat(_ key: String, maxTokens: Int = 16) -> ChatRequest {
    ChatRequest(messages: [ChatMessage(role: "system", content: "Answer briefly."), ChatMessage(role: "user", content: key)],
                maxTokens: maxTokens)
}

/// Results from `completeAll`'s callback, which may come from any thread, with how often each index came.
final class ResultLog: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<ChatAnswer, ChatFailure>] = [:]
    private var calls: [Int: Int] = [:]

    func record(_ index: Int, _ result: Result<ChatAnswer, ChatFailure>) {
        lock.withLock {
            results[index] = result
            calls[index, default: 0] += 1
        }
    }

    var callsByIndex: [Int: Int] { lock.withLock { calls } }
    var byIndex: [Int: Result<ChatAnswer, ChatFailure>] { lock.withLock { results } }
}

/// Seconds `body` took.
func secondsTaken(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = start.duration(to: .now).components
    return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
