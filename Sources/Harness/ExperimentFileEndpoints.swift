import Corpus
import Endpoints
import Foundation
import Yams

/// Reads `endpoints:`, the OpenAI-compatible endpoints an experiment may name wherever it names a
/// model (`model: endpoint:hosted`, a variant's `endpoint: hosted`). The API key never appears in
/// the file: only the variable that holds it (`api_key_env`).
struct EndpointListParser {
    let root: YAMLMapping

    static let keys = ["base_url", "model", "api_key_env", "max_concurrency", "requests_per_minute", "tokens_per_minute",
                       "price", "timeout", "retries", "stream", "headers"]

    func endpoints() throws -> [EndpointConfig] {
        guard let map = try root.mapping("endpoints") else { return [] }
        return try map.order.map { name in
            try endpoint(name: name, try YAMLMapping(map.node(name)!, file: map.file, path: map.child(name)))
        }
    }

    private func endpoint(name: String, _ map: YAMLMapping) throws -> EndpointConfig {
        try map.allowOnly(Self.keys)
        let baseURL = try map.required(map.string("base_url"), "base_url",
                                       hint: "the API root ending in /v1, e.g. base_url: https://api.example.com/v1")
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw map.error("base_url", .invalidValue("is not an http(s) URL; give the API root ending in /v1, e.g. http://127.0.0.1:8080/v1"))
        }
        if url.user != nil || url.password != nil {
            throw map.error("base_url", .invalidValue("holds credentials; put the key in an environment variable and name it in api_key_env"))
        }
        let model = try map.required(map.string("model"), "model", hint: "the model name the server expects, e.g. model: gpt-4o-mini")
        if model.trimmingCharacters(in: .whitespaces).isEmpty { throw map.error("model", .invalidValue("is empty")) }
        var config = EndpointConfig(name: name, baseURL: baseURL, model: model)
        if let variable = try map.string("api_key_env") {
            guard variable.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw map.error("api_key_env", .invalidValue(
                    "is not an environment variable name; name the variable that holds the key (never the key itself)"))
            }
            config.apiKeyEnv = variable
        }
        config.maxConcurrency = try positive(map.int("max_concurrency"), "max_concurrency", map) ?? config.maxConcurrency
        config.requestsPerMinute = try positive(map.double("requests_per_minute"), "requests_per_minute", map)
        config.tokensPerMinute = try positive(map.double("tokens_per_minute"), "tokens_per_minute", map)
        if let price = try map.mapping("price") { config.price = try self.price(price) }
        if let timeout = try map.mapping("timeout") {
            try timeout.allowOnly(["connect", "first_token", "total"])
            config.timeouts.connect = try positive(timeout.double("connect"), "connect", timeout) ?? config.timeouts.connect
            config.timeouts.firstToken = try positive(timeout.double("first_token"), "first_token", timeout) ?? config.timeouts.firstToken
            config.timeouts.total = try positive(timeout.double("total"), "total", timeout) ?? config.timeouts.total
        }
        if let retries = try map.int("retries") {
            if retries < 0 || retries > 20 { throw map.error("retries", .invalidValue("is \(retries); use 0 to 20")) }
            config.retries = retries
        }
        config.stream = try map.bool("stream") ?? config.stream
        if let headers = try map.mapping("headers") {
            for key in headers.order {
                if key.lowercased() == "authorization" {
                    throw headers.error(key, .invalidValue("would put a secret in the file; name the key's variable in api_key_env instead"))
                }
                config.headers[key] = try headers.required(headers.string(key), key, hint: "a header value")
            }
        }
        return config
    }

    private func price(_ map: YAMLMapping) throws -> EndpointPrice {
        try map.allowOnly(["input_per_million", "output_per_million", "per_request"])
        var price = EndpointPrice()
        for (key, path) in [("input_per_million", \EndpointPrice.inputPerMillion), ("output_per_million", \.outputPerMillion),
                            ("per_request", \.perRequest)] {
            if let value = try map.double(key) {
                if value < 0 { throw map.error(key, .invalidValue("is \(value); prices are 0 or more dollars")) }
                price[keyPath: path] = value
            }
        }
        if !map.has("per_request") && (map.has("input_per_million") != map.has("output_per_million")) {
            throw map.missing(map.has("input_per_million") ? "output_per_million" : "input_per_million",
                              hint: "dollars per million tokens; give both token prices (0 for free)")
        }
        return price
    }

    private func positive<T: Comparable & Numeric>(_ value: T?, _ key: String, _ map: YAMLMapping) throws -> T? {
        if let value, value <= 0 { throw map.error(key, .invalidValue("is \(value); it must be greater than 0")) }
        return value
    }
}

extension ExperimentFile {
    /// `model: endpoint:hosted` and friends: the prefix that names an endpoint instead of a GGUF.
    public static let endpointPrefix = "endpoint:"

    /// The endpoint a model reference names (`endpoint:hosted`), or nil for a GGUF path.
    public func endpoint(for model: String) -> EndpointConfig? {
        guard model.hasPrefix(Self.endpointPrefix) else { return nil }
        let name = String(model.dropFirst(Self.endpointPrefix.count))
        return endpoints.first { $0.name == name }
    }

    /// The SHA-256 that identifies a model reference: an endpoint's identity, or the GGUF's bytes.
    public func modelSHA256(_ model: String) throws -> String {
        if let config = endpoint(for: model) { return EndpointIdentity.sha256(config) }
        return try SHA256.hexOfFile(atPath: model)
    }

    /// True when the experiment's own model is an endpoint.
    public var modelIsEndpoint: Bool { model.hasPrefix(Self.endpointPrefix) }
}
