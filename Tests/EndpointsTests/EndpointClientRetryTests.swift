import Endpoints
import XCTest

/// Faults, retries, waits and timeouts, one request at a time.
final class EndpointClientRetryTests: XCTestCase {
    /// Each row: what the server does on the first attempts → the result and how many requests it saw.
    func testEachFaultEndsAsItShould() async throws {
        let table: [(name: String, faults: [Fault], kind: ChatFailure.Kind?, status: Int?, message: String?, retries: Int, requests: Int)] = [
            ("503 then answer", [.error(503, "overloaded")], nil, nil, nil, 1, 2),
            ("500, 502 then answer", [.error(500, "boom"), .error(502, "bad gateway")], nil, nil, nil, 2, 3),
            ("408 then answer", [.error(408, "slow")], nil, nil, nil, 1, 2),
            ("429 without headers then answer", [.error(429, "rate limited")], nil, nil, nil, 1, 2),
            ("dropped mid-stream then answer", [.dropMidStream], nil, nil, nil, 1, 2),
            ("truncated on every attempt", Array(repeating: .truncate, count: 4), .exhausted, 200, "without [DONE] or a finish_reason", 3, 4),
            ("truncated stream then answer", [.truncate, .truncate], nil, nil, nil, 2, 3),
            ("error inside a stream then answer", [.errorInStream(#"{"error":{"message":"worker crashed","type":"server_error"}}"#)],
             nil, nil, nil, 1, 2),
            ("quota inside a 200 stream", [.errorInStream(#"{"error":{"message":"no credit","code":"insufficient_quota"}}"#)],
             .quota, 200, "no credit", 0, 1),
            ("400 is not retried", [.error(400, "max_tokens is too large")], .rejected, 400, "max_tokens is too large", 0, 1),
            ("401 is not retried", [.error(401, "invalid key")], .rejected, 401, "invalid key", 0, 1),
            ("404 is not retried", [.error(404, "model not found")], .rejected, 404, "model not found", 0, 1),
            ("a redirect is not followed", [.status(308, body: "", headers: [("Location", "https://elsewhere.example/v1/chat/completions")])],
             .rejected, 308, "redirected to https://elsewhere.example/v1/chat/completions", 0, 1),
            ("quota is not retried", [.quota()], .quota, 429, "exceeded your current quota", 0, 1),
            ("500 on every attempt", Array(repeating: .error(500, "down"), count: 4), .exhausted, 500, "down", 3, 4),
            ("dropped on every attempt", Array(repeating: .dropMidStream, count: 4), .exhausted, 200, "connection dropped during the HTTP 200 answer", 3, 4),
        ]
        for row in table {
            try await withEndpoint(script: ["q": row.faults]) { client, server in
                let result = await client.complete(chat("q"))
                switch result {
                case .success(let answer):
                    XCTAssertNil(row.kind, "\(row.name): answered")
                    XCTAssertEqual(answer.text, "answer to q", row.name)
                    XCTAssertEqual(answer.retries, row.retries, row.name)
                case .failure(let failure):
                    XCTAssertEqual(failure.kind, row.kind, "\(row.name): \(failure.message)")
                    XCTAssertEqual(failure.status, row.status, row.name)
                    XCTAssertEqual(failure.retries, row.retries, row.name)
                    XCTAssertTrue(failure.message.contains(row.message ?? "-"), "\(row.name): \(failure.message)")
                    XCTAssertFalse(failure.message.contains("\n"), row.name)
                }
                XCTAssertEqual(server.requestCount, row.requests, row.name)
            }
        }
    }

    func testRetryAfterIsWaitedOut() async throws {
        let table: [(name: String, headers: [(String, String)], wait: Double)] = [
            ("Retry-After seconds", [("Retry-After", "1")], 1),
            ("retry-after-ms wins over Retry-After", [("retry-after-ms", "400"), ("Retry-After", "5")], 0.4),
        ]
        for row in table {
            try await withEndpoint(script: ["q": [.error(429, "slow down", headers: row.headers)]]) { client, server in
                var result: Result<ChatAnswer, ChatFailure>?
                let elapsed = await secondsTaken { result = await client.complete(chat("q")) }
                XCTAssertEqual(try result?.get().retries, 1, row.name)
                XCTAssertEqual(server.requestCount, 2, row.name)
                XCTAssertGreaterThanOrEqual(elapsed, row.wait, row.name)
                XCTAssertLessThan(elapsed, row.wait + 3, "\(row.name): not absurdly more")
            }
        }
    }

    func testFirstTokenTimeoutEndsEachAttempt() async throws {
        let slow = Fault.answer(Reply(firstTokenDelay: 3))
        try await withEndpoint(script: ["q": [slow, slow, slow]], configure: {
            $0.timeouts = EndpointTimeouts(connect: 2, firstToken: 0.3, total: 10)
            $0.retries = 1
        }) { client, server in
            var result: Result<ChatAnswer, ChatFailure>?
            let elapsed = await secondsTaken { result = await client.complete(chat("q")) }
            let failure = try XCTUnwrap(result?.failure)
            XCTAssertEqual(failure.kind, .timeout)
            XCTAssertEqual(failure.retries, 1)
            XCTAssertTrue(failure.message.contains("first token"), failure.message)
            XCTAssertEqual(server.requestCount, 2)
            XCTAssertGreaterThanOrEqual(elapsed, 0.6)
            XCTAssertLessThan(elapsed, 2.5, "two 0.3 s attempts, far less than one 3 s first token")
        }
    }

    func testTotalTimeoutEndsAStreamThatStalls() async throws {
        try await withEndpoint(script: ["q": [.answer(Reply(stallBeforeFinish: 3)), .hang]], configure: {
            $0.timeouts = EndpointTimeouts(connect: 2, firstToken: 0.4, total: 0.6)
            $0.retries = 1
        }) { client, server in
            var result: Result<ChatAnswer, ChatFailure>?
            let elapsed = await secondsTaken { result = await client.complete(chat("q")) }
            let failure = try XCTUnwrap(result?.failure)
            XCTAssertEqual(failure.kind, .timeout)
            XCTAssertEqual(server.requestCount, 2)
            XCTAssertGreaterThanOrEqual(elapsed, 0.6 + 0.4 - 0.05)
            XCTAssertLessThan(elapsed, 2.8)
        }
    }

    func testUnreachableServerFailsAsUnreachable() async throws {
        let port = try await FaultServer.closedPort()
        var config = EndpointConfig(name: "nobody", baseURL: "http://127.0.0.1:\(port)/v1", model: "m")
        config.timeouts = EndpointTimeouts(connect: 0.5, firstToken: 5, total: 10)
        config.retries = 1
        let client = try EndpointClient(config: config, environment: [:], backoff: fastBackoff)
        let result = await client.complete(chat("q"))
        await client.shutdown()
        XCTAssertEqual(result.failure?.kind, .unreachable)
        XCTAssertEqual(result.failure?.retries, 1)
    }
}
