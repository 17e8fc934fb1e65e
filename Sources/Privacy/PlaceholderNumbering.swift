/// Numbers the placeholders of one example. The same value gets the same placeholder wherever it
/// appears in the example (prompt, every message, every reference), so "refund <CARD_1> … charge
/// <CARD_1> again" still says it is one card; a second card is `<CARD_2>`. Numbers count per kind
/// from 1 in order of first appearance. A new example starts a new numbering, so placeholders carry
/// nothing from one example to another.
public struct PlaceholderNumbering: Sendable {
    private var numbers: [RedactionKind: [String: Int]] = [:]

    public init() {}

    /// `<KIND_N>` for the finding's value, numbering it when it is new.
    public mutating func placeholder(for finding: Finding) -> String {
        var byIdentity = numbers[finding.kind, default: [:]]
        let number = byIdentity[finding.identity] ?? byIdentity.count + 1
        byIdentity[finding.identity] = number
        numbers[finding.kind] = byIdentity
        return "<\(finding.kind.placeholderLabel)_\(number)>"
    }
}
