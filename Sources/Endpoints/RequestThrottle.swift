import Foundation

/// Spaces request starts so an endpoint's `requests_per_minute` and `tokens_per_minute` hold at
/// every moment, not just on average over a minute: each start books the next free time on two
/// clocks (one request later = 60 / rpm seconds; a request's estimated tokens later =
/// tokens · 60 / tpm seconds) and waits for it. A server counting per minute never sees a burst.
///
/// Token estimates are settled against the usage the server reports, moving the token clock by
/// the difference. No request books more than a minute of the token clock, so one request bigger
/// than a minute's allowance waits a minute instead of forever. Limits are at least 1 a minute (the
/// client checks), so with at most `max_concurrency` requests waiting every wait is bounded.
public final class RequestThrottle: @unchecked Sendable {
    private let secondsPerRequest: Double?
    private let secondsPerToken: Double?
    private let origin = ContinuousClock.now
    private let lock = NSLock()
    /// Seconds since `origin` when the next request may start, by each limit.
    private var requestClock = 0.0
    private var tokenClock = 0.0

    /// Nil (or non-positive) limits do not throttle.
    public init(requestsPerMinute: Double?, tokensPerMinute: Double?) {
        secondsPerRequest = requestsPerMinute.flatMap { $0 > 0 ? 60 / $0 : nil }
        secondsPerToken = tokensPerMinute.flatMap { $0 > 0 ? 60 / $0 : nil }
    }

    public var isUnlimited: Bool { secondsPerRequest == nil && secondsPerToken == nil }

    /// Books a start for a request estimated at `tokens`, no earlier than `now` (seconds on this
    /// throttle's clock); returns when it may start.
    public func reserve(tokens: Int, now: Double) -> Double {
        lock.withLock {
            let start = max(now, requestClock, tokenClock)
            if let secondsPerRequest { requestClock = start + secondsPerRequest }
            if let secondsPerToken { tokenClock = start + min(60, Double(max(tokens, 0)) * secondsPerToken) }
            return start
        }
    }

    /// Moves the token clock by what the estimate got wrong (at most a minute either way).
    public func settle(estimatedTokens: Int, actualTokens: Int) {
        guard let secondsPerToken else { return }
        lock.withLock {
            tokenClock += min(60, max(-60, Double(actualTokens - estimatedTokens) * secondsPerToken))
        }
    }

    /// Seconds since this throttle was made.
    public var now: Double {
        let elapsed = origin.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }

    /// Books a start and sleeps until it (returns early if the task is cancelled).
    func waitForTurn(tokens: Int) async {
        guard !isUnlimited else { return }
        let now = self.now
        let start = reserve(tokens: tokens, now: now)
        if start > now { try? await Task.sleep(for: .seconds(start - now)) }
    }
}
