import Endpoints
import XCTest

/// `completeAll`: concurrency, throttles, admission and the stop on quota.
final class EndpointClientBatchTests: XCTestCase {
    func testEveryRequestIsAnsweredExactlyOnceAfterFaults() async throws {
        let faults: [[Fault]] = [[.error(503, "busy")], [.dropMidStream], [.error(429, "later", headers: [("retry-after-ms", "50")])],
                                 [.truncate], []]
        let keys = (0..<30).map { "q\($0)" }
        let script = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, faults[$0 % faults.count]) })
        try await withEndpoint(script: script, configure: { $0.maxConcurrency = 4 }) { client, server in
            let log = ResultLog()
            await client.completeAll(keys.map { chat($0) }, onResult: { log.record($0, $1) })
            XCTAssertEqual(log.callsByIndex, Dictionary(uniqueKeysWithValues: keys.indices.map { ($0, 1) }))
            for (index, key) in keys.enumerated() {
                let answer = try log.byIndex[index]?.get()
                XCTAssertEqual(answer?.text, "answer to \(key)")
                let faulted = !faults[index % faults.count].isEmpty
                XCTAssertEqual(answer?.retries, faulted ? 1 : 0, key)
                XCTAssertEqual(server.count(key), faulted ? 2 : 1, key)
            }
            XCTAssertLessThanOrEqual(server.peakInFlight, 4)
        }
    }

    /// The server holds each answer 0.2 s, long enough for all 8 slots to be busy at once even on a loaded machine.
    func testAtMostMaxConcurrencyInFlightAndThatManyAtPeak() async throws {
        let keys = (0..<40).map { "q\($0)" }
        let script = Dictionary(uniqueKeysWithValues: keys.map { ($0, [Fault.answer(Reply(hold: 0.2))]) })
        try await withEndpoint(script: script, configure: { $0.maxConcurrency = 8 }) { client, server in
            let log = ResultLog()
            await client.completeAll(keys.map { chat($0) }, onResult: { log.record($0, $1) })
            XCTAssertEqual(log.callsByIndex.count, 40)
            XCTAssertEqual(server.requestCount, 40)
            XCTAssertEqual(server.peakInFlight, 8)
            XCTAssertLessThanOrEqual(server.peakConnectionCount, 8)
            XCTAssertEqual(server.currentInFlight, 0)
        }
    }

    func testSeparateCompleteCallsShareTheConcurrencyLimit() async throws {
        let keys = (0..<12).map { "q\($0)" }
        let script = Dictionary(uniqueKeysWithValues: keys.map { ($0, [Fault.answer(Reply(hold: 0.2))]) })
        try await withEndpoint(script: script, configure: { $0.maxConcurrency = 3 }) { client, server in
            let answered = await withTaskGroup(of: Bool.self) { group in
                for key in keys { group.addTask { (try? await client.complete(chat(key)).get()) != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            XCTAssertEqual(answered, 12)
            XCTAssertEqual(server.peakInFlight, 3)
        }
    }

    func testQuotaStopsTheRunAtOnce() async throws {
        let keys = (0..<8).map { "q\($0)" }
        try await withEndpoint(script: ["q2": [.quota()]], configure: { $0.maxConcurrency = 1 }) { client, server in
            let log = ResultLog()
            await client.completeAll(keys.map { chat($0) }, onResult: { log.record($0, $1) })
            XCTAssertEqual(log.callsByIndex, [0: 1, 1: 1, 2: 1])
            XCTAssertEqual(log.byIndex[2]?.failure?.kind, .quota)
            XCTAssertEqual(server.requestCount, 3, "nothing reaches the server after the quota error")
            XCTAssertTrue(client.stoppedByQuota)
            let later = await client.complete(chat("q7"))
            XCTAssertEqual(later.failure?.kind, .notSent)
            XCTAssertEqual(server.requestCount, 3)
        }
    }

    func testQuotaStopsRetriesOfRequestsInFlight() async throws {
        // q0 fails with 503 and waits 0.5 s to retry; meanwhile q1 hits the quota: q0 must not retry.
        let script: [String: [Fault]] = ["q0": [.error(503, "busy", headers: [("retry-after-ms", "500")])], "q1": [.quota()]]
        try await withEndpoint(script: script, configure: { $0.maxConcurrency = 2 }) { client, server in
            let log = ResultLog()
            await client.completeAll([chat("q0"), chat("q1")], onResult: { log.record($0, $1) })
            XCTAssertEqual(log.byIndex[1]?.failure?.kind, .quota)
            let first = try XCTUnwrap(log.byIndex[0]?.failure)
            XCTAssertEqual(first.kind, .exhausted)
            XCTAssertTrue(first.message.contains("quota"), first.message)
            XCTAssertEqual(server.count("q0"), 1)
        }
    }

    func testAdmitFalseStopsStartingRequests() async throws {
        try await withEndpoint(configure: { $0.maxConcurrency = 2 }) { client, server in
            let log = ResultLog()
            let asked = ResultLog()
            await client.completeAll((0..<10).map { chat("q\($0)") }, admit: { index in
                asked.record(index, .failure(ChatFailure(kind: .notSent, status: nil, message: "", retries: 0)))
                return index < 3
            }, onResult: { log.record($0, $1) })
            XCTAssertEqual(Set(log.callsByIndex.keys), [0, 1, 2])
            XCTAssertEqual(Set(asked.callsByIndex.keys), [0, 1, 2, 3], "asked in order, up to the first refusal")
            XCTAssertEqual(server.requestCount, 3)
        }
    }

    func testRequestsPerMinuteSpacesStarts() async throws {
        // 600 per minute: one every 0.1 s, even with 4 slots free.
        try await withEndpoint(configure: {
            $0.maxConcurrency = 4
            $0.requestsPerMinute = 600
        }) { client, server in
            let log = ResultLog()
            let elapsed = await secondsTaken {
                await client.completeAll((0..<8).map { chat("q\($0)") }, onResult: { log.record($0, $1) })
            }
            XCTAssertEqual(log.callsByIndex.count, 8)
            let arrivals = server.arrivalSeconds.sorted()
            XCTAssertGreaterThanOrEqual(arrivals.last! - arrivals.first!, 7 * 0.1 * 0.9)
            XCTAssertGreaterThanOrEqual(elapsed, 0.7 * 0.9)
            XCTAssertLessThan(elapsed, 5)
        }
    }

    func testCancellingARunEndsItPromptlyAndReportsWhatWasStarted() async throws {
        let keys = (0..<6).map { "q\($0)" }
        let script = Dictionary(uniqueKeysWithValues: keys.map { ($0, [Fault.hang]) })
        try await withEndpoint(script: script, configure: { $0.maxConcurrency = 2 }) { client, server in
            let log = ResultLog()
            let run = Task { await client.completeAll(keys.map { chat($0) }, onResult: { log.record($0, $1) }) }
            for _ in 0..<100 where server.requestCount < 2 { try await Task.sleep(for: .milliseconds(50)) }
            let elapsed = await secondsTaken {
                run.cancel()
                await run.value
            }
            XCTAssertLessThan(elapsed, 2, "the 10 s total timeout was not waited out")
            XCTAssertEqual(log.callsByIndex, [0: 1, 1: 1])
            XCTAssertEqual(log.byIndex[0]?.failure?.kind, .notSent)
            XCTAssertEqual(server.requestCount, 2)
        }
    }

    /// 6000 tokens a minute books each request's estimate (54 tokens: 0.54 s), then gives back what
    /// the server's usage (10 tokens) shows was not used: starts come 0.1 s apart, not 0.54 s.
    func testTokensPerMinuteSpacesStartsByUsageOnceSettled() async throws {
        try await withEndpoint(configure: {
            $0.maxConcurrency = 1
            $0.tokensPerMinute = 6000
        }) { client, server in
            let requests = (0..<5).map { chat("q\($0)", maxTokens: 50) }
            XCTAssertEqual(requests[0].estimatedTokens, 54)
            let log = ResultLog()
            let elapsed = await secondsTaken { await client.completeAll(requests, onResult: { log.record($0, $1) }) }
            XCTAssertEqual(try log.byIndex[0]?.get().promptTokens, 7)
            XCTAssertEqual(try log.byIndex[0]?.get().completionTokens, 3)
            let arrivals = server.arrivalSeconds.sorted()
            XCTAssertGreaterThanOrEqual(arrivals.last! - arrivals.first!, 4 * 0.1 * 0.9)
            XCTAssertLessThan(elapsed, 4 * 0.54 * 0.75, "unsettled estimates would space starts 0.54 s apart")
        }
    }
}
