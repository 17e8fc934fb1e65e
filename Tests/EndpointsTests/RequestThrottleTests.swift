import Endpoints
import XCTest

final class RequestThrottleTests: XCTestCase {
    /// Each row books requests (estimated tokens, asked-for time) in order; `starts` are the times given.
    func testStartsAreSpacedByBothLimits() {
        let table: [(name: String, rpm: Double?, tpm: Double?, bookings: [(tokens: Int, now: Double)], starts: [Double])] = [
            ("unlimited starts at once", nil, nil, [(100, 0), (100, 0), (100, 0)], [0, 0, 0]),
            ("60 rpm: one a second", 60, nil, [(100, 0), (100, 0), (100, 0)], [0, 1, 2]),
            ("a late request is not held back", 60, nil, [(1, 0), (1, 5)], [0, 5]),
            ("600 tpm: 100 tokens take 10 s", nil, 600, [(100, 0), (50, 0), (10, 0)], [0, 10, 15]),
            ("the stricter limit wins", 60, 600, [(5, 0), (5, 0), (300, 0), (1, 0)], [0, 1, 2, 32]),
            ("one request books at most a minute", nil, 10, [(1_000, 0), (1, 0)], [0, 60]),
        ]
        for row in table {
            let throttle = RequestThrottle(requestsPerMinute: row.rpm, tokensPerMinute: row.tpm)
            let starts = row.bookings.map { throttle.reserve(tokens: $0.tokens, now: $0.now) }
            XCTAssertEqual(starts, row.starts, row.name)
        }
    }

    func testUsageSettlesTheTokenClock() {
        let throttle = RequestThrottle(requestsPerMinute: nil, tokensPerMinute: 600)
        XCTAssertEqual(throttle.reserve(tokens: 100, now: 0), 0)
        throttle.settle(estimatedTokens: 100, actualTokens: 40)   // 60 tokens back: 6 s earlier
        XCTAssertEqual(throttle.reserve(tokens: 100, now: 0), 4, accuracy: 1e-9)
        throttle.settle(estimatedTokens: 100, actualTokens: 150)  // 50 more: 5 s later
        XCTAssertEqual(throttle.reserve(tokens: 1, now: 0), 19, accuracy: 1e-9)
        let requestsOnly = RequestThrottle(requestsPerMinute: 60, tokensPerMinute: nil)
        requestsOnly.settle(estimatedTokens: 100, actualTokens: 1)
        XCTAssertEqual(requestsOnly.reserve(tokens: 1, now: 0), 0)
        XCTAssertEqual(requestsOnly.reserve(tokens: 1, now: 0), 1)
    }
}
