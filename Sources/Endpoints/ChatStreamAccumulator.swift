import Foundation

/// Joins a streamed chat completion's events into one answer: content deltas, the finish reason,
/// and the usage chunk that `stream_options.include_usage` asks for (its `choices` is empty).
/// Usage stays nil when the server sends none.
public struct ChatStreamAccumulator: Sendable {
    /// What one event meant.
    public enum Step: Sendable, Equatable {
        /// The first non-empty content delta: the time to first token is measured here.
        case firstContent
        /// Anything else that belongs to the answer (more content, a role, a finish reason, usage, keep-alives).
        case progress
        /// `[DONE]`: nothing follows.
        case done
        /// The server reported an error inside the stream.
        case serverError(ServerErrorBody)
        /// Data that is not JSON: the stream cannot be trusted.
        case malformed(String)
    }

    public private(set) var text = ""
    public private(set) var finishReason: String?
    public private(set) var usage: UsageCounts?
    public private(set) var sawDone = false

    public init() {}

    /// Ended properly: `[DONE]` came, or at least a finish reason did (some servers close right
    /// after it). A stream that stops without either was cut off.
    public var isComplete: Bool { sawDone || finishReason != nil }

    public mutating func read(eventData: String) -> Step {
        let data = eventData.trimmingCharacters(in: .whitespaces)
        if sawDone || data.isEmpty { return .progress }
        if data == "[DONE]" {
            sawDone = true
            return .done
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else {
            return .malformed(FailureText.oneLine(data, limit: 120))
        }
        if object["error"] != nil, let error = ServerErrorBody(json: object) { return .serverError(error) }
        if let counts = UsageCounts(json: object["usage"]) { usage = counts }
        guard let choice = ChatCompletionJSON.firstChoice(object) else { return .progress }
        if let reason = choice["finish_reason"] as? String { finishReason = reason }
        let delta = choice["delta"] as? [String: Any]
        guard let content = delta?["content"] as? String, !content.isEmpty else { return .progress }
        let first = text.isEmpty
        text += content
        return first ? .firstContent : .progress
    }
}

/// `usage.prompt_tokens` and `usage.completion_tokens`, as the server counted them.
public struct UsageCounts: Sendable, Equatable {
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(promptTokens: Int?, completionTokens: Int?) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Nil for a missing or null `usage`, or one with neither count.
    init?(json: Any?) {
        guard let usage = json as? [String: Any] else { return nil }
        let prompt = (usage["prompt_tokens"] as? NSNumber)?.intValue
        let completion = (usage["completion_tokens"] as? NSNumber)?.intValue
        if prompt == nil && completion == nil { return nil }
        self.init(promptTokens: prompt, completionTokens: completion)
    }
}

/// A non-streaming chat completion: `choices[0].message.content`, its finish reason and usage.
public struct ChatCompletionJSON: Sendable, Equatable {
    public var text: String
    public var finishReason: String?
    public var usage: UsageCounts?

    /// Nil when the body is not a chat completion (not JSON, or no `choices`).
    public init?(_ bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              object["choices"] is [Any] else { return nil }
        let choice = Self.firstChoice(object)
        let message = choice?["message"] as? [String: Any]
        text = message?["content"] as? String ?? ""
        finishReason = choice?["finish_reason"] as? String
        usage = UsageCounts(json: object["usage"])
    }

    /// The choice with index 0 (or the first one): Tollgate asks for one completion per request.
    static func firstChoice(_ object: [String: Any]) -> [String: Any]? {
        guard let choices = object["choices"] as? [[String: Any]] else { return nil }
        return choices.first { ($0["index"] as? NSNumber)?.intValue == 0 } ?? choices.first
    }
}
