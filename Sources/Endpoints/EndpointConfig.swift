import Foundation

/// An OpenAI-compatible chat-completions endpoint as an experiment file or the command line
/// describes it: data, not code (promptfoo's provider configs are the model). The API key is never
/// held here, only the name of the environment variable it is read from when a request is made.
///
/// ```yaml
/// endpoints:
///   hosted:
///     base_url: https://api.example.com/v1      # the /v1 root; /chat/completions is appended
///     model: "@cf/meta/llama-3.2-1b-instruct"  # sent as the request's "model"
///     api_key_env: HOSTED_API_KEY
///     max_concurrency: 8
///     requests_per_minute: 300
///     price: {input_per_million: 0.027, output_per_million: 0.201}
///     timeout: {connect: 10, first_token: 60, total: 300}
///     retries: 4
///     stream: true
///     headers: {cf-aig-skip-cache: "true"}
/// ```
public struct EndpointConfig: Sendable, Equatable, Codable {
    /// The name the experiment gives it ("hosted"); for the command line, the host and model.
    public var name: String
    /// The API root ending in /v1 (no trailing slash needed); requests go to `<base_url>/chat/completions`.
    public var baseURL: String
    /// Sent as the request body's `"model"`.
    public var model: String
    /// Environment variable holding the API key (sent as `Authorization: Bearer …`); nil sends none.
    public var apiKeyEnv: String?
    /// Requests in flight at most.
    public var maxConcurrency: Int = 4
    /// Request starts per minute at most; nil is unthrottled.
    public var requestsPerMinute: Double?
    /// Prompt plus completion tokens per minute at most (estimated before a request, settled from usage); nil is unthrottled.
    public var tokensPerMinute: Double?
    /// What a request costs; nil is unpriced (cost is then reported as unknown, never as 0).
    public var price: EndpointPrice?
    public var timeouts = EndpointTimeouts()
    /// Retries after the first attempt, on 408, 429, 5xx, dropped connections, failed connects and
    /// timeouts (never on other 4xx or quota errors).
    public var retries: Int = 4
    /// Server-sent events, which measure the time to the first token.
    public var stream: Bool = true
    /// Extra request headers; a value may contain `${VAR}`, expanded from the environment per request.
    public var headers: [String: String] = [:]

    public init(name: String, baseURL: String, model: String) {
        self.name = name
        self.baseURL = baseURL
        self.model = model
    }

    /// `<base_url>/chat/completions`, with one slash between them.
    public var chatCompletionsURL: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/chat/completions"
    }

    /// How reports, logs and the store name it, never with credentials written into the URL:
    /// `endpoint hosted: @cf/meta/llama-3.2-1b-instruct at https://api.example.com/v1`.
    public var displayName: String { "endpoint \(name): \(model) at \(publicBaseURL)" }

    /// The base URL without user information (`https://user:secret@host/v1` → `https://host/v1`).
    public var publicBaseURL: String { Self.publicURL(baseURL) }

    /// `url` without user information.
    public static func publicURL(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else {
            return url
        }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}

/// Dollars per million tokens, or per request.
public struct EndpointPrice: Sendable, Equatable, Codable {
    public var inputPerMillion: Double = 0
    public var outputPerMillion: Double = 0
    /// A flat price per request, added to the token prices.
    public var perRequest: Double = 0

    public init(inputPerMillion: Double = 0, outputPerMillion: Double = 0, perRequest: Double = 0) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.perRequest = perRequest
    }

    /// The price of one request; nil when its token counts are needed and the server sent none.
    public func cost(promptTokens: Int?, completionTokens: Int?) -> Double? {
        let needsTokens = inputPerMillion != 0 || outputPerMillion != 0
        guard let promptTokens, let completionTokens else { return needsTokens ? nil : perRequest }
        return perRequest + Double(promptTokens) * inputPerMillion / 1e6 + Double(completionTokens) * outputPerMillion / 1e6
    }
}

/// Seconds; each bounds one attempt.
public struct EndpointTimeouts: Sendable, Equatable, Codable {
    /// Establishing the TCP (and TLS) connection.
    public var connect: Double = 10
    /// From sending the request to the first content token (the whole answer when not streaming).
    public var firstToken: Double = 60
    /// From sending the request to the end of the answer.
    public var total: Double = 300

    public init(connect: Double = 10, firstToken: Double = 60, total: Double = 300) {
        self.connect = connect
        self.firstToken = firstToken
        self.total = total
    }
}

extension EndpointConfig {
    /// `<base_url>/models`: what `checkReachable` asks for (any answer, even 404, shows a server is there).
    public var modelsURL: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/models"
    }
}
