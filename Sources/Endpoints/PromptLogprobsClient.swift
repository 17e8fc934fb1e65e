import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The prompt's own tokens and their log-probabilities, as a completions endpoint returns them with
/// `echo: true, logprobs: 1` (the legacy `logprobs` object: tokens, token_logprobs, text_offset,
/// top_logprobs). The generated token (max_tokens 1) is dropped; the first prompt token has no
/// log-probability (nil).
public struct PromptLogprobs: Sendable, Equatable {
    public var tokens: [String]
    public var logprobs: [Double?]
    /// Whether each token was the top token at its position (from top_logprobs; nil when absent).
    public var isTop: [Bool?]

    public init(tokens: [String], logprobs: [Double?], isTop: [Bool?]) {
        self.tokens = tokens; self.logprobs = logprobs; self.isTop = isTop
    }
}

/// Why an endpoint gave no prompt log-probabilities. `unsupported` is bad input (exit 2): this server
/// cannot score log-likelihoods, and a score made anyway would be chance-level without an error.
public enum PromptLogprobsError: Error, CustomStringConvertible, Equatable {
    case unsupported(endpoint: String, reason: String)
    case failed(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupported(endpoint, reason):
            return "\(endpoint) cannot score log-likelihoods: \(reason); multiple-choice scoring needs /v1/completions "
                + "with echo and logprobs (llama-cpp-python's server with --logits_all true), or score a local --model"
        case let .failed(endpoint, reason): return "\(endpoint): prompt log-probabilities failed: \(reason)"
        }
    }
}

/// POST `<base_url>/completions` {prompt, max_tokens: 1, echo: true, logprobs: 1, temperature: 0}
/// and reads the echoed prompt's log-probabilities — lm-eval's `--model gguf` request. One shared
/// HTTP client; call `shutdown()` once when done. Requests run one at a time per call (the caller
/// decides concurrency), with the configured retries on connection errors and 5xx.
public final class PromptLogprobsClient: @unchecked Sendable {
    public let config: EndpointConfig
    private let http: HTTPClient
    private let authorization: String?

    public init(config: EndpointConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let setup = EndpointSetupCheck(config: config, environment: environment)
        authorization = try setup.authorization()
        self.config = config
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(config.timeouts.connect * 1000)))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public var completionsURL: String {
        (config.baseURL.hasSuffix("/") ? String(config.baseURL.dropLast()) : config.baseURL) + "/completions"
    }

    /// The echoed prompt of `prompt` (its own tokens, as the server tokenizes it).
    public func promptLogprobs(_ prompt: String) async throws -> PromptLogprobs {
        let body: [String: Any] = ["model": config.model, "prompt": prompt, "max_tokens": 1, "echo": true,
                                   "logprobs": 1, "temperature": 0]
        var attempt = 0
        while true {
            do {
                return try await send(body, prompt: prompt)
            } catch let error as PromptLogprobsError {
                if case .failed = error, attempt < config.retries {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(200 << min(attempt, 5)))
                    continue
                }
                throw error
            }
        }
    }

    private func send(_ body: [String: Any], prompt: String) async throws -> PromptLogprobs {
        var request = HTTPClientRequest(url: completionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let name = config.displayName
        let bytes: [UInt8], status: Int
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(config.timeouts.total * 1000)))
            status = Int(response.status.code)
            var buffer = try await response.body.collect(upTo: 64 << 20)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw PromptLogprobsError.failed(endpoint: name, reason: "\(error)")
        }
        let text = String(decoding: bytes.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        if status >= 500 { throw PromptLogprobsError.failed(endpoint: name, reason: "HTTP \(status): \(text)") }
        if status == 404 || status == 405 {
            throw PromptLogprobsError.unsupported(endpoint: name, reason: "it has no /v1/completions (HTTP \(status))")
        }
        if status >= 400 { throw PromptLogprobsError.unsupported(endpoint: name, reason: "HTTP \(status) to an echo + logprobs request: \(text)") }
        return try Self.parse(bytes, prompt: prompt, endpoint: name)
    }

    /// Reads choices[0].logprobs; every check that fails means this server does not echo the prompt's
    /// log-probabilities (it returned only the generated token's, or none).
    static func parse(_ bytes: [UInt8], prompt: String, endpoint: String) throws -> PromptLogprobs {
        func unsupported(_ reason: String) -> PromptLogprobsError { .unsupported(endpoint: endpoint, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let choice = (object["choices"] as? [[String: Any]])?.first else {
            throw unsupported("its answer has no choices")
        }
        guard let logprobs = choice["logprobs"] as? [String: Any], let tokens = logprobs["tokens"] as? [String],
              let values = logprobs["token_logprobs"] as? [Any] else {
            throw unsupported("its answer has no logprobs.tokens and logprobs.token_logprobs (the legacy completions schema)")
        }
        guard values.count == tokens.count, tokens.count >= 2, (choice["text"] as? String)?.hasPrefix(prompt) ?? false else {
            throw unsupported("it did not echo the prompt with its log-probabilities")
        }
        let tops = logprobs["top_logprobs"] as? [Any]
        var out = PromptLogprobs(tokens: [], logprobs: [], isTop: [])
        // The last entry is the generated token.
        for i in 0..<(tokens.count - 1) {
            out.tokens.append(tokens[i])
            out.logprobs.append((values[i] as? NSNumber)?.doubleValue)
            if let top = tops?[i] as? [String: Any], let best = top.max(by: {
                (($0.value as? NSNumber)?.doubleValue ?? -.infinity) < (($1.value as? NSNumber)?.doubleValue ?? -.infinity)
            }) {
                out.isTop.append(best.key == tokens[i])
            } else {
                out.isTop.append(nil)
            }
        }
        if out.logprobs.dropFirst().contains(where: { $0 == nil }) {
            throw unsupported("it returned no log-probability for some prompt tokens")
        }
        return out
    }

    public func shutdown() async { try? await http.shutdown() }
}
