import Endpoints
import Foundation
import Harness
import Testing

private let file = "Experiments/x.yaml"
private let endpointsBlock = """
    endpoints:
      hosted:
        base_url: https://api.example.com/v1
        model: "@cf/meta/llama-3.2-1b-instruct"
        api_key_env: HOSTED_API_KEY
        max_concurrency: 8
        requests_per_minute: 300
        price: {input_per_million: 0.027, output_per_million: 0.201}
        timeout: {connect: 10, first_token: 60, total: 300}
        retries: 4
        stream: true
        headers: {cf-aig-skip-cache: "true"}

    """

@Test func endpointsDecodeEveryKeyAndVariantsNameThem() throws {
    let experiment = try ExperimentFile.parse(yaml: "name: swap\nmodel: m.gguf\n" + endpointsBlock + """
        eval_sets: [{dataset: h.jsonl}]
        variants:
          - {name: local, adapter: none}
          - {name: hosted, endpoint: hosted}
        budgets: {max_cost: 2.0, max_error_rate: 0.01}
        """, file: file)
    var expected = EndpointConfig(name: "hosted", baseURL: "https://api.example.com/v1", model: "@cf/meta/llama-3.2-1b-instruct")
    expected.apiKeyEnv = "HOSTED_API_KEY"
    expected.maxConcurrency = 8
    expected.requestsPerMinute = 300
    expected.price = EndpointPrice(inputPerMillion: 0.027, outputPerMillion: 0.201)
    expected.timeouts = EndpointTimeouts(connect: 10, firstToken: 60, total: 300)
    expected.retries = 4
    expected.stream = true
    expected.headers = ["cf-aig-skip-cache": "true"]
    #expect(experiment.endpoints == [expected])
    #expect(experiment.variants.map(\.source) == [.served(model: nil, adapter: .none), .endpoint(name: "hosted")])
    #expect(experiment.budgets.maxCost == 2.0 && experiment.budgets.maxErrorRate == 0.01)
    #expect(experiment.endpoint(for: "endpoint:hosted") == expected)
    #expect(experiment.endpoint(for: "m.gguf") == nil)
}

@Test func aModelCanBeAnEndpoint() throws {
    let experiment = try ExperimentFile.parse(yaml: "name: nightly\nmodel: endpoint:hosted\n" + endpointsBlock
        + "eval_sets: [{dataset: h.jsonl}]\nbaseline: last_go\n", file: file)
    #expect(experiment.modelIsEndpoint)
    #expect(try experiment.modelSHA256(experiment.model) == EndpointIdentity.sha256(experiment.endpoints[0]))
}

@Test func endpointIdentityIgnoresCredentialsAndTrailingSlashes() {
    let plain = EndpointConfig(name: "a", baseURL: "https://api.example.com/v1", model: "m")
    let slash = EndpointConfig(name: "b", baseURL: "https://api.example.com/v1/", model: "m")
    let other = EndpointConfig(name: "a", baseURL: "https://api.example.com/v1", model: "n")
    #expect(EndpointIdentity.sha256(plain) == EndpointIdentity.sha256(slash))
    #expect(EndpointIdentity.sha256(plain) != EndpointIdentity.sha256(other))
    #expect(EndpointConfig.publicURL("https://user:secret@api.example.com/v1") == "https://api.example.com/v1")
}

@Test(arguments: [
    ("endpoints:\n  hosted:\n    base_url: ftp://x/v1\n    model: m\n", "base_url", "is not an http(s) URL"),
    ("endpoints:\n  hosted:\n    base_url: https://u:p@x/v1\n    model: m\n", "base_url", "holds credentials"),
    ("endpoints:\n  hosted:\n    base_url: https://x/v1\n", "model", "missing"),
    ("endpoints:\n  hosted:\n    base_url: https://x/v1\n    model: m\n    api_key_env: sk-abc123-secret\n", "api_key_env", "not an environment variable name"),
    ("endpoints:\n  hosted:\n    base_url: https://x/v1\n    model: m\n    headers: {Authorization: Bearer x}\n", "Authorization", "api_key_env"),
    ("endpoints:\n  hosted:\n    base_url: https://x/v1\n    model: m\n    max_concurency: 4\n", "max_concurency", "max_concurrency"),
    ("endpoints:\n  hosted:\n    base_url: https://x/v1\n    model: m\n    price: {input_per_million: 1}\n", "output_per_million", "both token prices"),
])
func badEndpointDefinitionsNameTheKey(_ block: String, _ key: String, _ fragment: String) {
    do {
        _ = try ExperimentFile.parse(yaml: "name: x\nmodel: m.gguf\n" + block + "eval_sets: [{dataset: h.jsonl}]\n", file: file)
        Issue.record("parsed without an error")
    } catch let error as ExperimentFileError {
        #expect(error.key.hasSuffix(key), "\(error.errorDescription ?? "")")
        #expect(error.errorDescription?.contains(fragment) == true, "\(error.errorDescription ?? "")")
        #expect(error.errorDescription?.contains("sk-abc123-secret") != true)
    } catch {
        Issue.record("unexpected error type: \(error)")
    }
}

@Test func variantsAndModelsNamingUnknownEndpointsAreRejected() {
    #expect(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: "name: x\nmodel: m.gguf\n" + endpointsBlock
            + "eval_sets: [{dataset: h.jsonl}]\nvariants: [{name: a}, {name: b, endpoint: hostd}]\n", file: file)
    }
    #expect(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: "name: x\nmodel: endpoint:nowhere\n" + endpointsBlock + "eval_sets: [{dataset: h.jsonl}]\n", file: file)
    }
    #expect(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: "name: x\nmodel: endpoint:hosted\n" + endpointsBlock
            + "training: {data: t.jsonl}\neval_sets: [{dataset: h.jsonl}]\n", file: file)
    }
}

@Test func theProviderSwapExperimentParsesAndTrainsWhatSupportRoutingTrains() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/provider-swap.yaml")
    let experiment = try ExperimentFile.load(path: url.path)
    #expect(experiment.variants.map(\.source) == [.served(model: nil, adapter: .experiment), .endpoint(name: "hosted")])
    #expect(experiment.endpoints.first?.apiKeyEnv == nil && experiment.endpoints.first?.price != nil)
    let lora = try ExperimentFile.load(path: url.deletingLastPathComponent().appendingPathComponent("support-routing-lora.yaml").path)
    #expect(experiment.training == lora.training)
}
