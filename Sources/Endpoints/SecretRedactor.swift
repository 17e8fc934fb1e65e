import Foundation

/// Removes secrets from text that leaves the client: the API key and the values of environment
/// variables expanded into headers. Servers sometimes echo what they were sent ("Incorrect API key
/// provided: sk-…"), and errors from lower layers may quote requests, so every failure message
/// passes through here. Values shorter than 4 characters are not treated as secrets: removing them
/// would garble messages and they protect nothing.
struct SecretRedactor: Sendable {
    static let replacement = "[redacted]"
    private let secrets: [String]

    init(secrets: [String]) {
        // Longest first, so a secret that contains another is removed whole.
        self.secrets = Array(Set(secrets.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: Self.replacement) }
    }
}
