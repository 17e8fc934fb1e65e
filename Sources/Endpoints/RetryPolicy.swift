import Foundation

/// Which failed responses are worth another attempt, and what the server's error body says.
///
/// 408 (the server timed the request out), 429 (rate limited) and 5xx (the server failed) may be
/// answered next time; every other 4xx is about the request itself and would fail again. A quota
/// error is a 429 too, but retrying cannot refill an account, so it is told apart by the body.
public enum RetryPolicy {
    /// True for 408, 429 and 500–599.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// The kind a failed response has when it is the last attempt: quota errors stop the run,
    /// retryable statuses are `exhausted`, the other 4xx (and anything else) `rejected`.
    public static func kind(status: Int, error: ServerErrorBody) -> ChatFailure.Kind {
        if error.isInsufficientQuota { return .quota }
        return isRetryable(status: status) ? .exhausted : .rejected
    }
}

/// The parts of an OpenAI-style error body that decide what happens next:
/// `{"error": {"message": "...", "type": "insufficient_quota", "code": "insufficient_quota"}}`.
/// Servers that answer differently (`{"error": "text"}`, `{"detail": "..."}`, plain text) keep
/// their text as the message.
public struct ServerErrorBody: Sendable, Equatable {
    public var message: String?
    public var code: String?
    public var type: String?

    public init(message: String? = nil, code: String? = nil, type: String? = nil) {
        self.message = message
        self.code = code
        self.type = type
    }

    /// `insufficient_quota` in `error.code` or `error.type`: the account is out of credit.
    public var isInsufficientQuota: Bool {
        code == "insufficient_quota" || type == "insufficient_quota"
    }

    /// Reads a response body; never fails (an unreadable body becomes its own first 300 characters).
    public static func parse(_ bytes: [UInt8]) -> ServerErrorBody {
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let parsed = ServerErrorBody(json: object) {
            return parsed
        }
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return ServerErrorBody(message: text.isEmpty ? nil : FailureText.oneLine(text))
    }

    /// From a decoded JSON value; nil when it carries no error.
    public init?(json: Any) {
        guard let object = json as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any] {
            self.init(message: Self.text(error["message"]), code: Self.text(error["code"]), type: Self.text(error["type"]))
        } else if let error = object["error"] as? String {
            self.init(message: error)
        } else if let message = Self.text(object["message"]) ?? Self.text(object["detail"]) {
            self.init(message: message)
        } else {
            return nil
        }
    }

    /// Strings stay strings; numbers (some servers send numeric codes) are written out.
    private static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}

/// Messages are one line and bounded, whatever the server sends.
enum FailureText {
    static func oneLine(_ text: String, limit: Int = 300) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }
}
