import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// `tollgate eval --endpoint` against the fault-injecting server: faults waited out, the
/// concurrency limit, quota and unreachable endpoints as exit 3, failed examples retried alone on
/// the next run, the cache, and the API key kept out of every file and message.
@Suite(.serialized) struct EndpointEvalTests {
    static let key = "sk-tollgate-test-7f3a9c1e5b2d4f60"


    /// `count` examples whose answer the fault server gives back (`ANSWER: billing_refund`);
    /// those in `failing` carry FAILME so the server can be told to fail them.
    func makeHoldout(_ count: Int, failing: Set<Int> = [], in folder: URL) throws -> String {
        let lines = (0..<count).map { index in
            let marker = failing.contains(index) ? " FAILME" : ""
            return #"{"id": "ex\#(index)", "prompt": "Message \#(index)\#(marker). ANSWER: billing_refund", "completion": "billing_refund"}"#
        }
        let url = folder.appendingPathComponent("holdout.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func evalArguments(_ server: String, data: String, store: String, extra: [String] = []) -> [String] {
        ["eval", "--endpoint", server, "--endpoint-model", "fault-model", "--data", data, "--store", store,
         "--max-tokens", "8", "--metrics", "em", "--api-key-env", "TEST_ENDPOINT_KEY"] + extra
    }

    var keyEnvironment: [String: String] { ["TEST_ENDPOINT_KEY": Self.key] }

    func count(_ table: String, in store: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: store) else { return 0 }
        return try DatabaseQueue(path: store).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    @Test func faultsAreWaitedOutWithinTheConcurrencyLimitAndEveryExampleIsAnsweredOnce() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let faults = ["429:1", "500", "drop", "slow:0.3", "429ms:200", "503"]
        let server = try ScriptedChatServer(script: faults, environment: ["EXPECTED_KEY": Self.key, "HOLD_SECONDS": "0.6"])
        defer { server.stop() }
        let data = try makeHoldout(24, in: folder), store = folder.appendingPathComponent("t.db").path
        let started = Date()
        let result = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store, extra: ["--concurrency", "4"]),
                                            environment: keyEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
        let predictions = try TollgateStore(path: store).predictions(evaluationID: 1)
        #expect(predictions.map(\.exampleIndex) == Array(0..<24))
        #expect(predictions.allSatisfy { $0.output == "billing_refund" && $0.scores["em"] == 1 })
        #expect(predictions.map(\.retries).reduce(0, +) == faults.count - 1)  // "slow" is answered on its first attempt
        #expect(try count("request_failure", in: store) == 0)
        let stats = try server.stats()
        #expect(stats.requests == 24 + faults.count - 1)
        #expect(stats.peakInFlight == 4)
        #expect(Date().timeIntervalSince(started) >= 1.0)  // the 1-second Retry-After was waited out
        #expect(predictions.allSatisfy { $0.usageReported && $0.promptTokens == 11 && $0.completionTokens == 3 })
        #expect(predictions.contains { ($0.timeToFirstTokenSeconds ?? 0) >= 0.3 })
    }

    @Test func quotaErrorStopsAtOnceWithExitThreeAndARerunCompletesTheRest() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ScriptedChatServer(script: ["quota"], environment: ["EXPECTED_KEY": Self.key])
        defer { server.stop() }
        let data = try makeHoldout(10, in: folder), store = folder.appendingPathComponent("t.db").path
        let first = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store, extra: ["--concurrency", "1"]),
                                           environment: keyEnvironment)
        #expect(first.status == 3, "\(first.stderr)")
        #expect(first.stderr.contains("quota") && first.stderr.contains("fault-model"))
        #expect(try server.stats().requests == 1)
        #expect(try count("prediction", in: store) == 0)
        #expect(try count("request_failure", in: store) == 10)
        let second = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store, extra: ["--concurrency", "1"]),
                                            environment: keyEnvironment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try server.stats().requests == 11)
    }

    @Test func failedExamplesAreStoredAsFailuresAndOnlyThemRetriedAfterRecovery() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ScriptedChatServer(environment: ["EXPECTED_KEY": Self.key])
        defer { server.stop() }
        try server.setMode("fail_matching", failSubstring: "FAILME")
        let data = try makeHoldout(12, failing: [2, 5, 9], in: folder), store = folder.appendingPathComponent("t.db").path
        let arguments = evalArguments(server.baseURL, data: data, store: store, extra: ["--retries", "1"])
        let first = try TollgateBinary.run(arguments, environment: keyEnvironment)
        #expect(first.status == 3, "\(first.stderr)")
        #expect(first.stderr.contains("3 of 12 requests failed") && first.stderr.contains("fault-model"))
        #expect(try server.stats().requests == 9 + 3 * 2)
        let failures = try TollgateStore(path: store).requestFailures(evaluationID: 1)
        #expect(failures.map(\.exampleIndex) == [2, 5, 9] && failures.allSatisfy { $0.httpStatus == 500 && $0.retries == 1 })
        #expect(try count("prediction", in: store) == 9)

        try server.setMode("normal")
        let second = try TollgateBinary.run(arguments, environment: keyEnvironment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try server.stats().requests == 15 + 3)
        #expect(second.stdout.contains("12 examples: 3 generated, 9 from cache"))

        // An identical run makes no request at all, and reports no latency or cost it did not measure.
        let json = folder.appendingPathComponent("summary.json").path
        let third = try TollgateBinary.run(arguments + ["--json", json], environment: keyEnvironment)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try server.stats().requests == 18)
        #expect(third.stdout.contains("latency     not measured"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect(summary?["latency_p50"] == nil && summary?["endpoint"] as? Bool == true)
    }

    @Test func failuresWithinMaxErrorRateLeaveAnEvaluationThatComparesOnTheAnsweredExamples() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ScriptedChatServer(environment: ["EXPECTED_KEY": Self.key])
        defer { server.stop() }
        let data = try makeHoldout(10, failing: [3, 7], in: folder), store = folder.appendingPathComponent("t.db").path
        let whole = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store), environment: keyEnvironment)
        #expect(whole.status == 0, "\(whole.stderr)")
        try server.setMode("fail_matching", failSubstring: "FAILME")
        let partial = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store,
                                                           extra: ["--no-cache", "--retries", "0", "--max-error-rate", "0.2"]),
                                             environment: keyEnvironment)
        #expect(partial.status == 0, "\(partial.stderr)")
        #expect(partial.stdout.contains("2 unanswered (error rate 0.200)"))
        let compared = try TollgateBinary.run(["compare", "1", "2", "--store", store, "--json"])
        #expect(compared.status == 0, "\(compared.stderr)")
        #expect(compared.stdout.contains("endpoint 127.0.0.1:\(server.port): fault-model at \(server.baseURL)"))
    }

    @Test func unreachableEndpointIsExitThreeWithinTheConnectTimeoutAndWritesNoRow() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let data = try makeHoldout(4, in: folder), store = folder.appendingPathComponent("t.db").path
        let port = try LlamaCppServer.freePort()
        let started = Date()
        let result = try TollgateBinary.run(evalArguments("http://127.0.0.1:\(port)/v1", data: data, store: store,
                                                          extra: ["--connect-timeout", "2"]), environment: keyEnvironment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("unreachable") && result.stderr.contains("127.0.0.1:\(port)"))
        #expect(Date().timeIntervalSince(started) < 10)
        for table in ["run", "evaluation", "prediction", "request_failure", "model"] { #expect(try count(table, in: store) == 0) }
    }

    @Test func theAPIKeyReachesNoFileAndNoMessage() throws {
        let folder = try Fixtures.temporaryFolder("endpoint"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ScriptedChatServer(environment: ["EXPECTED_KEY": Self.key])
        defer { server.stop() }
        let data = try makeHoldout(6, in: folder), store = folder.appendingPathComponent("t.db").path
        let json = folder.appendingPathComponent("summary.json").path
        let good = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store, extra: ["--json", json]),
                                          environment: keyEnvironment)
        #expect(good.status == 0, "\(good.stderr)")
        // A wrong key: 401 is not retried, the run fails with exit 3, and the message names neither key.
        let otherKey = "sk-tollgate-wrong-0b1c2d3e4f5a6b7c"
        let bad = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store, extra: ["--no-cache"]),
                                         environment: ["TEST_ENDPOINT_KEY": otherKey])
        #expect(bad.status == 3, "\(bad.stderr)")
        #expect(bad.stderr.contains("401"))
        for output in [good.stdout, good.stderr, bad.stdout, bad.stderr] {
            #expect(!output.contains(Self.key) && !output.contains(otherKey))
        }
        // A missing variable is invalid input naming the variable.
        let missing = try TollgateBinary.run(evalArguments(server.baseURL, data: data, store: store), environment: ["TEST_ENDPOINT_KEY": ""])
        #expect(missing.status == 2 && missing.stderr.contains("TEST_ENDPOINT_KEY"), "\(missing.stderr)")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(files.count >= 3)
        for file in files {
            let bytes = try Data(contentsOf: file)
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil && bytes.range(of: Data(otherKey.utf8)) == nil, "\(file.path)")
            #expect(bytes.range(of: Data("Bearer".utf8)) == nil, "\(file.path)")
        }
    }
}
