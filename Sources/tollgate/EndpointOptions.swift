import ArgumentParser
import Endpoints
import Foundation

/// `eval --endpoint URL --endpoint-model NAME …`: an OpenAI-compatible endpoint named on the
/// command line, as an experiment file's `endpoints:` entry would name it.
struct EndpointOptions: ParsableArguments {
    @Option(help: "OpenAI-compatible API root ending in /v1; /chat/completions is appended.") var endpoint: String?
    @Option(help: "The model name sent in each request.") var endpointModel: String?
    @Option(help: "Environment variable holding the API key (sent as a Bearer token, never stored).") var apiKeyEnv: String?
    @Option(help: "Requests in flight at most.") var concurrency: Int = 4
    @Option(help: "Request starts per minute at most.") var requestsPerMinute: Double?
    @Option(help: "Prompt plus completion tokens per minute at most.") var tokensPerMinute: Double?
    @Option(help: "Dollars per million prompt tokens.") var priceInput: Double?
    @Option(help: "Dollars per million completion tokens.") var priceOutput: Double?
    @Option(help: "Retries per request on 408, 429, 5xx and dropped connections.") var retries: Int = 4
    @Option(help: "Seconds to wait for a connection.") var connectTimeout: Double = 10
    @Option(help: "Seconds to wait for the first token of an attempt.") var firstTokenTimeout: Double = 60
    @Option(help: "Seconds an attempt may take in all.") var requestTimeout: Double = 300
    @Flag(help: "Ask for whole JSON answers instead of server-sent events (no time to first token).") var noStream = false
    @Option(help: "Share of examples that may stay unanswered before the run fails with exit 3 (default 0).")
    var maxErrorRate: Double = 0
    @Option(help: "Dollars the evaluation may spend; requests that could pass it are not sent (exit 3).") var maxCost: Double?

    func validate() throws {
        guard let endpoint else {
            if endpointModel != nil { throw ValidationError("--endpoint-model needs --endpoint.") }
            return
        }
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ValidationError("--endpoint must be an http(s) URL ending in /v1, e.g. http://127.0.0.1:8080/v1.")
        }
        guard let endpointModel, !endpointModel.isEmpty else {
            throw ValidationError("--endpoint needs --endpoint-model: the model name the server expects.")
        }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1.") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more.") }
        guard connectTimeout > 0, firstTokenTimeout > 0, requestTimeout > 0 else { throw ValidationError("Timeouts must be positive.") }
        guard (0...1).contains(maxErrorRate) else { throw ValidationError("--max-error-rate must be between 0 and 1.") }
        if let maxCost, maxCost < 0 { throw ValidationError("--max-cost must be 0 or more.") }
        if (priceInput == nil) != (priceOutput == nil) {
            throw ValidationError("Pass --price-input and --price-output together (dollars per million tokens).")
        }
    }

    /// The endpoint as configured, named by its host and port; nil without --endpoint.
    func config() -> EndpointConfig? {
        guard let endpoint, let endpointModel else { return nil }
        let url = URL(string: endpoint)
        let name = [url?.host, url?.port.map(String.init)].compactMap { $0 }.joined(separator: ":")
        var config = EndpointConfig(name: name.isEmpty ? "endpoint" : name, baseURL: endpoint, model: endpointModel)
        config.apiKeyEnv = apiKeyEnv
        config.maxConcurrency = concurrency
        config.requestsPerMinute = requestsPerMinute
        config.tokensPerMinute = tokensPerMinute
        if let priceInput, let priceOutput { config.price = EndpointPrice(inputPerMillion: priceInput, outputPerMillion: priceOutput) }
        config.retries = retries
        config.timeouts = EndpointTimeouts(connect: connectTimeout, firstToken: firstTokenTimeout, total: requestTimeout)
        config.stream = !noStream
        return config
    }
}
