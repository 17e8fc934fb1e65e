import Endpoints
import XCTest

final class EndpointSetupTests: XCTestCase {
    private let key = "sk-live-SETUP-0123456789"

    func testUnusableDefinitionsAreRefusedWithTheFix() {
        let table: [(name: String, change: (inout EndpointConfig) -> Void, environment: [String: String], says: String)] = [
            ("key variable unset", { $0.apiKeyEnv = "HOSTED_API_KEY" }, [:], "HOSTED_API_KEY (api_key_env) is not set"),
            ("key variable empty", { $0.apiKeyEnv = "HOSTED_API_KEY" }, ["HOSTED_API_KEY": ""], "HOSTED_API_KEY (api_key_env) is not set"),
            ("key with a line break", { $0.apiKeyEnv = "K" }, ["K": "\(key)\nX-Evil: 1"], "K (api_key_env) contains a line break"),
            ("not http", { $0.baseURL = "ftp://example.com/v1" }, [:], "is not an http(s) URL"),
            ("no scheme", { $0.baseURL = "localhost:8080/v1" }, [:], "is not an http(s) URL"),
            ("no concurrency", { $0.maxConcurrency = 0 }, [:], "max_concurrency is 0"),
            ("negative retries", { $0.retries = -1 }, [:], "retries is -1"),
            ("zero connect timeout", { $0.timeouts.connect = 0 }, [:], "timeout.connect is 0.0 s"),
            ("negative total timeout", { $0.timeouts.total = -1 }, [:], "timeout.total is -1.0 s"),
            ("endless first-token timeout", { $0.timeouts.firstToken = .infinity }, [:], "timeout.first_token is inf s"),
            ("a week's total timeout", { $0.timeouts.total = 604_800 }, [:], "at most 86400 seconds"),
            ("zero rpm", { $0.requestsPerMinute = 0 }, [:], "requests_per_minute is 0.0; it must be at least 1"),
            ("less than one token a minute", { $0.tokensPerMinute = 0.5 }, [:], "tokens_per_minute is 0.5"),
            ("header variable unset", { $0.headers = ["cf-aig-authorization": "Bearer ${CF_TOKEN}"] }, [:],
             "header cf-aig-authorization uses ${CF_TOKEN}, but the environment variable CF_TOKEN is not set"),
            ("header template unclosed", { $0.headers = ["x": "${CF_TOKEN"] }, [:], "header x has an unclosed"),
        ]
        for row in table {
            var config = EndpointConfig(name: "hosted", baseURL: "https://api.example.com/v1", model: "m")
            row.change(&config)
            XCTAssertThrowsError(try EndpointClient(config: config, environment: row.environment), row.name) { error in
                let text = (error as? EndpointSetupError)?.errorDescription ?? "\(error)"
                XCTAssertTrue(text.hasPrefix("endpoint hosted: "), "\(row.name): \(text)")
                XCTAssertTrue(text.contains(row.says), "\(row.name): \(text)")
                XCTAssertFalse(text.contains(key), "\(row.name): the key's value is never shown")
            }
        }
    }

    func testAUsableDefinitionMakesAClient() async throws {
        var config = EndpointConfig(name: "hosted", baseURL: "https://api.example.com/v1", model: "m")
        config.apiKeyEnv = "HOSTED_API_KEY"
        config.headers = ["x-team": "${TEAM}"]
        let client = try EndpointClient(config: config, environment: ["HOSTED_API_KEY": key, "TEAM": "evals"])
        XCTAssertEqual(client.description, "EndpointClient(endpoint hosted: m at https://api.example.com/v1)")
        XCTAssertFalse("\(client)".contains(key))
        await client.shutdown()
        await client.shutdown()  // a second call does nothing
        // Credentials written into the URL are never part of the name.
        XCTAssertEqual(EndpointConfig(name: "h", baseURL: "https://user:secret@api.example.com/v1", model: "m").displayName,
                       "endpoint h: m at https://api.example.com/v1")
        let unused = try EndpointClient(config: EndpointConfig(name: "local", baseURL: "http://127.0.0.1:1/v1", model: "m"), environment: [:])
        await unused.shutdown()
    }
}
