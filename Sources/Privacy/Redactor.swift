/// Replaces personal data of the chosen kinds with typed, numbered placeholders (`<EMAIL_1>`,
/// `<CARD_2>`). Text without findings comes back unchanged, byte for byte.
///
/// ```swift
/// let redactor = Redactor(kinds: [.card, .email])
/// redactor.redact(["Refund 4111 1111 1111 1111 to ann@example.com", "Done: 4111111111111111"])
/// // ["Refund <CARD_1> to <EMAIL_1>", "Done: <CARD_1>"]
/// ```
public struct Redactor: Sendable {
    /// The kinds replaced; the other kinds are still detected, so their spans are never mistaken
    /// for a redacted kind, but they stay in the text.
    public let kinds: Set<RedactionKind>

    public init(kinds: [RedactionKind]) { self.kinds = Set(kinds) }

    /// Redacts nothing.
    public var isEmpty: Bool { kinds.isEmpty }

    /// Findings of the chosen kinds, in text order.
    public func findings(in text: String) -> [Finding] {
        guard !kinds.isEmpty else { return [] }
        return Detectors.findings(in: Array(text.utf8)).filter { kinds.contains($0.kind) }
    }

    /// `text` with each finding replaced by its placeholder under `numbering`.
    public func redact(_ text: String, numbering: inout PlaceholderNumbering) -> String {
        let bytes = Array(text.utf8)
        let found = kinds.isEmpty ? [] : Detectors.findings(in: bytes).filter { kinds.contains($0.kind) }
        guard !found.isEmpty else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for finding in found {
            output += bytes[position..<finding.range.lowerBound]
            output += Array(numbering.placeholder(for: finding).utf8)
            position = finding.range.upperBound
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }

    /// The texts of one example, numbered together: equal values get equal placeholders across them.
    public func redact(_ texts: [String]) -> [String] {
        var numbering = PlaceholderNumbering()
        return texts.map { redact($0, numbering: &numbering) }
    }
}
