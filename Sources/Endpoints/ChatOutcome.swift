import Foundation

/// A request the server answered.
public struct ChatAnswer: Sendable, Equatable {
    /// The assistant message's content (streamed deltas joined).
    public var text: String
    /// "stop", "length", …; nil when the server sent none. "length" is an answer, not an error.
    public var finishReason: String?
    /// From the server's `usage`; nil when it sent none (never estimated).
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Seconds from sending the answered attempt to its last byte (waits between attempts excluded).
    public var latencySeconds: Double
    /// Seconds from sending the answered attempt to the first non-empty content delta; nil when
    /// not streaming or when the answer had no content.
    public var timeToFirstTokenSeconds: Double?
    /// Attempts before the one that was answered.
    public var retries: Int

    public init(text: String, finishReason: String?, promptTokens: Int?, completionTokens: Int?,
                latencySeconds: Double, timeToFirstTokenSeconds: Double?, retries: Int) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencySeconds = latencySeconds
        self.timeToFirstTokenSeconds = timeToFirstTokenSeconds
        self.retries = retries
    }
}

/// A request that got no answer after its retries, or that must not be retried. Its message is one
/// line and never contains the API key or the Authorization header.
public struct ChatFailure: Error, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// `insufficient_quota` (or a 429 that says so): the run stops at once.
        case quota
        /// A 4xx that retrying cannot fix (400, 401, 403, 404, 422, …).
        case rejected
        /// 408/429/5xx or dropped connections on every attempt.
        case exhausted
        /// No connection within the connect timeout (refused, unresolvable, unroutable).
        case unreachable
        /// No first token or no end within the timeouts, on every attempt.
        case timeout
        /// Not sent: the run stopped first (quota error or cancellation).
        case notSent
    }

    public var kind: Kind
    /// The HTTP status of the last attempt, when there was a response.
    public var status: Int?
    public var message: String
    /// Attempts after the first.
    public var retries: Int
    /// Seconds from sending the first attempt to giving up, waits between attempts included.
    public var seconds: Double

    public init(kind: Kind, status: Int?, message: String, retries: Int, seconds: Double = 0) {
        self.kind = kind
        self.status = status
        self.message = message
        self.retries = retries
        self.seconds = seconds
    }
}
