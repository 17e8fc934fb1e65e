import Endpoints
import XCTest

/// What the client makes of answers: streamed and not, usage or none, finish reasons, timings.
final class EndpointClientAnswerTests: XCTestCase {
    func testStreamedAnswerKeepsTextFinishReasonUsageAndTimings() async throws {
        try await withEndpoint(script: ["q": [.answer(Reply(text: "Refunds take 5 days.", firstTokenDelay: 0.3))]]) { client, server in
            let answer = try await client.complete(chat("q")).get()
            XCTAssertEqual(answer.text, "Refunds take 5 days.")
            XCTAssertEqual(answer.finishReason, "stop")
            XCTAssertEqual(answer.promptTokens, 7)
            XCTAssertEqual(answer.completionTokens, 5)
            XCTAssertEqual(answer.retries, 0)
            // The head and an empty role delta come at once; the first token 0.3 s later.
            let firstToken = try XCTUnwrap(answer.timeToFirstTokenSeconds)
            XCTAssertGreaterThanOrEqual(firstToken, 0.25)
            XCTAssertLessThan(firstToken, 3)
            XCTAssertGreaterThanOrEqual(answer.latencySeconds, firstToken)
            XCTAssertEqual(server.requestCount, 1)
            XCTAssertEqual(server.headersOfLastRequest["accept"], "text/event-stream")
        }
    }

    func testAnswerVariantsAreReadAsTheServerSentThem() async throws {
        let table: [(name: String, stream: Bool, reply: Reply, text: String, finish: String?, usage: Int?, timed: Bool)] = [
            ("streamed", true, Reply(text: "hello world"), "hello world", "stop", 7, true),
            ("streamed, CRLF and comments", true, Reply(text: "hello world", crlfAndComments: true), "hello world", "stop", 7, true),
            ("streamed, no usage", true, Reply(text: "abc", usage: false), "abc", "stop", nil, true),
            ("streamed, cut at max_tokens", true, Reply(text: "abcdefgh", finishReason: "length"), "abcdefgh", "length", 7, true),
            ("streamed, empty answer", true, Reply(text: ""), "", "stop", 7, false),
            ("not streamed", false, Reply(text: "hello world"), "hello world", "stop", 7, false),
            ("not streamed, no usage", false, Reply(text: "x", usage: false), "x", "stop", nil, false),
            ("not streamed, length", false, Reply(text: "x", finishReason: "length"), "x", "length", 7, false),
        ]
        for row in table {
            try await withEndpoint(script: ["q": [.answer(row.reply)]], configure: { $0.stream = row.stream }) { client, _ in
                let result = await client.complete(chat("q"))
                guard case .success(let answer) = result else { return XCTFail("\(row.name): \(result)") }
                XCTAssertEqual(answer.text, row.text, row.name)
                XCTAssertEqual(answer.finishReason, row.finish, row.name)
                XCTAssertEqual(answer.promptTokens, row.usage, row.name)
                XCTAssertEqual(answer.completionTokens == nil, row.usage == nil, row.name)
                XCTAssertEqual(answer.timeToFirstTokenSeconds != nil, row.timed, row.name)
                XCTAssertGreaterThan(answer.latencySeconds, 0, row.name)
            }
        }
    }

    func testAStreamLeftOpenAfterDoneIsAnsweredWithoutWaitingForTheTimeout() async throws {
        try await withEndpoint(script: ["q": [.answer(Reply(text: "done", endAfterDone: false))]], configure: {
            $0.timeouts = EndpointTimeouts(connect: 2, firstToken: 5, total: 10)
        }) { client, _ in
            var result: Result<ChatAnswer, ChatFailure>?
            let elapsed = await secondsTaken { result = await client.complete(chat("q")) }
            let answer = try XCTUnwrap(result?.get())
            XCTAssertEqual(answer.text, "done")
            XCTAssertLessThan(answer.latencySeconds, 0.9, "latency ends at [DONE], not when the body is given up")
            XCTAssertLessThan(elapsed, 5, "a second's grace, not the 10 s total timeout")
        }
    }

    func testHeadersCarryTheKeyAndExpandedVariables() async throws {
        let environment = ["TEST_KEY": "sk-test-123456", "TEAM_NAME": "evals"]
        try await withEndpoint(environment: environment, configure: {
            $0.apiKeyEnv = "TEST_KEY"
            $0.headers = ["X-Team": "team-${TEAM_NAME}", "cf-aig-skip-cache": "true"]
        }) { client, server in
            _ = try await client.complete(chat("q")).get()
            let headers = server.headersOfLastRequest
            XCTAssertEqual(headers["authorization"], "Bearer sk-test-123456")
            XCTAssertEqual(headers["x-team"], "team-evals")
            XCTAssertEqual(headers["cf-aig-skip-cache"], "true")
            XCTAssertEqual(headers["content-type"], "application/json")
        }
    }

    func testReachableMeansAnyHTTPAnswerAndUnreachableFailsWithinTheConnectTimeout() async throws {
        try await withEndpoint { client, _ in
            try await client.checkReachable()  // the server answers GET /v1/models with 404
        }
        let port = try await FaultServer.closedPort()
        var config = EndpointConfig(name: "nobody", baseURL: "http://127.0.0.1:\(port)/v1", model: "m")
        config.timeouts = EndpointTimeouts(connect: 1, firstToken: 5, total: 10)
        let client = try EndpointClient(config: config, environment: [:])
        var failure: ChatFailure?
        let elapsed = await secondsTaken {
            do { try await client.checkReachable() } catch { failure = error as? ChatFailure }
        }
        await client.shutdown()
        XCTAssertEqual(failure?.kind, .unreachable)
        XCTAssertLessThan(elapsed, 1 + 2, "gave up within the connect timeout (1 s), with a loose margin")
    }
}
