import Foundation

/// One turn of a chat, as the wire format has it.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// "system", "user" or "assistant".
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// One chat-completions request, before the endpoint's model name and streaming flags are added.
/// The server applies its own chat template to `messages`.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var maxTokens: Int
    /// 0 asks for greedy decoding.
    public var temperature: Double
    public var topP: Double?
    public var seed: UInt64?
    public var stop: [String]?
    /// The `response_format` object as JSON text (a judge's structured-output constraint), sent as is.
    public var responseFormat: String?

    public init(messages: [ChatMessage], maxTokens: Int, temperature: Double = 0, topP: Double? = nil,
                seed: UInt64? = nil, stop: [String]? = nil, responseFormat: String? = nil) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.responseFormat = responseFormat
    }

    /// The JSON body sent to `/chat/completions`, keys sorted so equal requests are equal bytes
    /// (the generation cache hashes it). Streaming asks for a final usage chunk.
    public func body(model: String, stream: Bool) -> Data {
        var object: [String: Any] = [
            "model": model,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "max_tokens": maxTokens,
            "temperature": temperature,
            "stream": stream,
        ]
        if let topP { object["top_p"] = topP }
        if let seed { object["seed"] = seed }
        if let stop, !stop.isEmpty { object["stop"] = stop }
        if let responseFormat, let format = try? JSONSerialization.jsonObject(with: Data(responseFormat.utf8)) {
            object["response_format"] = format
        }
        if stream { object["stream_options"] = ["include_usage": true] }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// Prompt characters / 4 + max_tokens: the token estimate a tokens-per-minute throttle and a
    /// spending budget reserve before the server reports the real counts.
    public var estimatedTokens: Int {
        messages.reduce(0) { $0 + $1.content.utf8.count } / 4 + maxTokens
    }
}
