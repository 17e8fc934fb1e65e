import Foundation

/// How long to wait before a retry: the server's `retry-after-ms` or `Retry-After` when it sent
/// one (capped), otherwise exponential backoff with full jitter — a uniformly random wait between 0
/// and `min(cap, base · 2^retry)` — so clients that failed together do not retry together.
public struct RetryBackoff: Sendable, Equatable {
    /// The upper bound of the first retry's wait, in seconds; it doubles with every retry.
    public var base: Double
    /// No jittered wait is longer than this, in seconds.
    public var cap: Double
    /// No server-requested wait is longer than this (120 s): a server asking for an hour is
    /// answered after two minutes, and the retry that follows decides.
    public var retryAfterCap: Double

    public init(base: Double = 1, cap: Double = 30, retryAfterCap: Double = 120) {
        self.base = base
        self.cap = cap
        self.retryAfterCap = retryAfterCap
    }

    /// Seconds to wait before retry number `retry + 1` (`retry` = retries already made).
    /// `unit` is a uniform random number in [0, 1), passed in so tests can fix it.
    public func delay(retry: Int, retryAfter: Double?, unit: Double) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), retryAfterCap) }
        let upper = min(cap, base * pow(2, Double(min(max(retry, 0), 40))))
        return upper * min(max(unit, 0), 1)
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds, sent by OpenAI beside the
/// coarser header) first, then `Retry-After` as delta-seconds or an HTTP-date. Nil when neither
/// header is there or readable; a date in the past is a wait of 0.
public enum RetryAfterHeader {
    public static func seconds(retryAfterMs: String?, retryAfter: String?, now: Date = Date()) -> Double? {
        if let milliseconds = retryAfterMs.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
           milliseconds.isFinite, milliseconds >= 0 {
            return milliseconds / 1000
        }
        guard let value = retryAfter?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            return seconds.isFinite && seconds >= 0 ? seconds : nil
        }
        guard let date = httpDate(value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders to use,
    /// and the obsolete RFC 850 and asctime forms it asks recipients to accept.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
