import Endpoints
import XCTest

/// A planted key and a secret header variable must not appear in anything a failure carries,
/// whatever kind of failure it is, even when the server quotes them back.
final class EndpointSecretTests: XCTestCase {
    private let key = "sk-PLANTED-7f3c9a1e5b2d8c4f"
    private let teamSecret = "team-secret-91c0ffee"

    func testNoFailureKindShowsTheKey() async throws {
        let environment = ["PLANTED_KEY": key, "TEAM_SECRET": teamSecret]
        let script: [String: [Fault]] = [
            "quota": [.quota()],
            "rejected": [.echoSecrets(401)],
            "exhausted": Array(repeating: .echoSecrets(500), count: 4),
            "dropped": Array(repeating: .dropMidStream, count: 4),
            "timeout": Array(repeating: .hang, count: 4),
        ]
        var failures: [ChatFailure] = []
        try await withEndpoint(script: script, environment: environment, configure: {
            $0.apiKeyEnv = "PLANTED_KEY"
            $0.headers = ["X-Team": "${TEAM_SECRET}"]
            $0.retries = 1
            $0.timeouts = EndpointTimeouts(connect: 1, firstToken: 0.3, total: 1)
        }) { client, server in
            for key in ["rejected", "exhausted", "dropped", "timeout", "quota", "after quota"] {
                if let failure = await client.complete(chat(key)).failure { failures.append(failure) }
            }
            XCTAssertEqual(server.headersOfLastRequest["authorization"], "Bearer \(self.key)", "the key is sent")
        }
        let port = try await FaultServer.closedPort()
        var config = EndpointConfig(name: "nobody", baseURL: "http://127.0.0.1:\(port)/v1", model: "m")
        config.apiKeyEnv = "PLANTED_KEY"
        config.timeouts = EndpointTimeouts(connect: 0.3, firstToken: 1, total: 1)
        config.retries = 0
        let unreachable = try EndpointClient(config: config, environment: environment)
        if let failure = await unreachable.complete(chat("q")).failure { failures.append(failure) }
        do { try await unreachable.checkReachable() } catch let failure as ChatFailure { failures.append(failure) }
        await unreachable.shutdown()

        XCTAssertEqual(failures.map(\.kind), [.rejected, .exhausted, .exhausted, .timeout, .quota, .notSent, .unreachable, .unreachable])
        XCTAssertTrue(failures[0].message.contains("[redacted]"), "the server's echo is kept, minus the key: \(failures[0].message)")
        for failure in failures {
            for text in [failure.message, "\(failure)", String(reflecting: failure), failure.localizedDescription] {
                XCTAssertFalse(text.contains(key), "\(failure.kind): \(text)")
                XCTAssertFalse(text.contains(teamSecret), "\(failure.kind): \(text)")
            }
        }
    }
}
