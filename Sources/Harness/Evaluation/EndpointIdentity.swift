import Corpus
import Endpoints
import Foundation

/// How an endpoint is identified in the store (`EndpointConfig.displayName` names it). Its identity
/// is the base URL and the model name; request settings (max tokens, temperature, …) are the evaluation's decoding JSON
/// and, with the full request body, part of every cache key. Credentials written into the URL
/// (`https://user:secret@host/v1`) are dropped before anything is stored or shown.
public enum EndpointIdentity {
    /// `model.architecture` of endpoint rows, so history and reports can tell them from GGUFs.
    public static let architecture = "openai-chat"

    /// SHA-256 of the base URL (without credentials or a trailing slash) and the model name.
    public static func sha256(_ config: EndpointConfig) -> String {
        var url = config.publicBaseURL
        while url.hasSuffix("/") { url.removeLast() }
        return SHA256.hex("openai-chat-endpoint\n\(url)\n\(config.model)")
    }
}

/// A run that cannot reach a decision for reasons outside the models: an endpoint unreachable or
/// failing past its retries, a quota or spending budget reached, an incomplete evaluation. The
/// command line exits 3 with this one line (it names what failed and what to run again).
public struct InfrastructureFailure: Error, LocalizedError, Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }

    public var errorDescription: String? { message }
}

/// Money a run may spend on endpoints, shared by its evaluations: a request is sent only when its
/// worst-case price still fits, and settles to its real price when answered.
public final class SpendingBudget: @unchecked Sendable {
    public let limit: Double
    private let lock = NSLock()
    private var committed = 0.0
    private var reserved = 0.0

    public init(limit: Double) { self.limit = limit }

    /// Dollars charged so far by answered requests.
    public var spent: Double { lock.withLock { committed } }

    /// Holds `estimate` dollars if they fit beside what is spent and held; false stops the run.
    func reserve(estimate: Double) -> Bool {
        lock.withLock {
            guard committed + reserved + estimate <= limit + 1e-12 else { return false }
            reserved += estimate
            return true
        }
    }

    func settle(estimate: Double, actual: Double) {
        lock.withLock {
            reserved = max(0, reserved - estimate)
            committed += actual
        }
    }
}

/// Runs async work to completion from synchronous code (the evaluator is synchronous; the HTTP
/// client is not). Never called from inside a Swift concurrency task.
enum BlockingAsync {
    @discardableResult
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}
