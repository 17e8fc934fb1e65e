import Endpoints
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testStatusDecidesRetryOrNot() {
        let quota = ServerErrorBody(message: "out of credit", code: "insufficient_quota", type: "insufficient_quota")
        let quotaByTypeOnly = ServerErrorBody(message: "x", code: nil, type: "insufficient_quota")
        let plain = ServerErrorBody(message: "x")
        let table: [(status: Int, body: ServerErrorBody, retryable: Bool, kind: ChatFailure.Kind)] = [
            (408, plain, true, .exhausted), (429, plain, true, .exhausted), (500, plain, true, .exhausted),
            (502, plain, true, .exhausted), (503, plain, true, .exhausted), (504, plain, true, .exhausted), (599, plain, true, .exhausted),
            (400, plain, false, .rejected), (401, plain, false, .rejected), (403, plain, false, .rejected),
            (404, plain, false, .rejected), (409, plain, false, .rejected), (413, plain, false, .rejected), (422, plain, false, .rejected),
            (429, quota, true, .quota), (429, quotaByTypeOnly, true, .quota), (403, quota, false, .quota),
        ]
        for row in table {
            XCTAssertEqual(RetryPolicy.isRetryable(status: row.status), row.retryable, "\(row.status)")
            XCTAssertEqual(RetryPolicy.kind(status: row.status, error: row.body), row.kind, "\(row.status) \(row.body)")
        }
    }

    func testErrorBodiesOfEveryShapeKeepTheServersMessage() {
        let table: [(body: String, expected: ServerErrorBody)] = [
            (#"{"error":{"message":"bad model","type":"invalid_request_error","code":"model_not_found"}}"#,
             ServerErrorBody(message: "bad model", code: "model_not_found", type: "invalid_request_error")),
            (#"{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
             ServerErrorBody(message: "quota", code: "insufficient_quota", type: "insufficient_quota")),
            (#"{"error":{"message":"x","code":429}}"#, ServerErrorBody(message: "x", code: "429", type: nil)),
            (#"{"error":"model is loading"}"#, ServerErrorBody(message: "model is loading")),
            (#"{"detail":"Not Found"}"#, ServerErrorBody(message: "Not Found")),
            ("upstream\nconnect error", ServerErrorBody(message: "upstream connect error")),
            ("", ServerErrorBody()),
        ]
        for row in table {
            XCTAssertEqual(ServerErrorBody.parse(Array(row.body.utf8)), row.expected, row.body)
        }
    }

    func testHeadersDecideTheWait() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        let table: [(ms: String?, seconds: String?, wait: Double?)] = [
            (nil, "3", 3), (nil, " 2 ", 2), (nil, "0.5", 0.5), (nil, "0", 0),
            ("1500", "2", 1.5),                      // milliseconds win: they are the precise one
            ("250", nil, 0.25),
            (nil, "Sun, 06 Nov 1994 08:49:47 GMT", 10),  // IMF-fixdate, 10 s after now
            (nil, "Sunday, 06-Nov-94 08:49:57 GMT", 20), // RFC 850
            (nil, "Sun Nov  6 08:50:07 1994", 30),       // asctime
            (nil, "Sun, 06 Nov 1994 08:49:00 GMT", 0),   // in the past
            (nil, "-5", nil), (nil, "soon", nil), ("x", nil, nil), (nil, "", nil), (nil, nil, nil),
        ]
        for row in table {
            XCTAssertEqual(RetryAfterHeader.seconds(retryAfterMs: row.ms, retryAfter: row.seconds, now: now), row.wait,
                           "\(row.ms ?? "-") / \(row.seconds ?? "-")")
        }
    }

    func testBackoffIsExponentialFullJitterAndServerWaitsAreCapped() {
        let backoff = RetryBackoff(base: 1, cap: 30, retryAfterCap: 120)
        let table: [(retry: Int, retryAfter: Double?, unit: Double, wait: Double)] = [
            (0, nil, 1, 1), (1, nil, 1, 2), (2, nil, 1, 4), (3, nil, 1, 8), (4, nil, 1, 16), (5, nil, 1, 30), (60, nil, 1, 30),
            (3, nil, 0, 0), (3, nil, 0.5, 4),
            (0, 7, 0.9, 7),              // the server's wait, exactly, no jitter
            (0, 3600, 0.5, 120),         // an hour is capped at two minutes
            (0, 0, 0.5, 0),
        ]
        for row in table {
            XCTAssertEqual(backoff.delay(retry: row.retry, retryAfter: row.retryAfter, unit: row.unit), row.wait, accuracy: 1e-9,
                           "retry \(row.retry), Retry-After \(row.retryAfter.map { "\($0)" } ?? "-")")
        }
    }
}
