import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Why one attempt got no answer, and whether another attempt may get one.
struct AttemptFailure: Sendable, Equatable {
    /// The request's kind if this is its last attempt.
    var kind: ChatFailure.Kind
    var retryable: Bool
    var status: Int?
    /// One line; secrets are removed by the client before it leaves.
    var message: String
    /// Seconds the server asked to wait (`retry-after-ms` / `Retry-After`), uncapped.
    var retryAfter: Double?

    static func response(status: Int, error: ServerErrorBody, retryAfter: Double?) -> AttemptFailure {
        let kind = RetryPolicy.kind(status: status, error: error)
        let detail = error.message.map { ": \($0)" } ?? ""
        return AttemptFailure(kind: kind, retryable: kind == .exhausted, status: status,
                              message: "HTTP \(status)\(detail)", retryAfter: retryAfter)
    }

    /// An error object where the answer should be (a 200 whose body or stream says it failed):
    /// a quota error stops the run, anything else is treated like a server error and retried.
    static func inAnswer(_ error: ServerErrorBody, status: Int) -> AttemptFailure {
        if error.isInsufficientQuota { return response(status: status, error: error, retryAfter: nil) }
        return dropped("HTTP \(status) answer reports an error: \(error.message ?? "no message")", status: status)
    }

    /// Connection dropped, stream cut off, an unreadable answer: the next attempt may do better.
    static func dropped(_ message: String, status: Int? = nil) -> AttemptFailure {
        AttemptFailure(kind: .exhausted, retryable: true, status: status, message: message)
    }

    static func timeout(_ message: String) -> AttemptFailure {
        AttemptFailure(kind: .timeout, retryable: true, message: message)
    }

    /// What an error thrown by the HTTP client means. Connection failures (refused, unroutable,
    /// no connection within the connect timeout) are `unreachable` and retried, since servers
    /// restart; everything else that ends an exchange early counts as a dropped connection.
    /// `status` is the response's, when its head had arrived.
    static func thrown(_ error: Error, status: Int? = nil) -> AttemptFailure {
        let description = FailureText.oneLine(String(describing: error), limit: 200)
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return AttemptFailure(kind: .notSent, retryable: false, message: "cancelled")
        }
        if (error as? HTTPClientError) == .deadlineExceeded {
            return timeout("no end within the total timeout")
        }
        if isConnectFailure(error) {
            return AttemptFailure(kind: .unreachable, retryable: true, message: "could not connect: \(description)")
        }
        if let status {
            return dropped("connection dropped during the HTTP \(status) answer: \(description)", status: status)
        }
        return dropped("connection dropped before an answer: \(description)")
    }

    static func isConnectFailure(_ error: Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout
        }
        if error is NIOConnectionError { return true }
        if case ChannelError.connectTimeout = error { return true }
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        return false
    }
}
