import Privacy
import Yams

/// An experiment's data governance: what is redacted before evaluation and how long the text of
/// its predictions is kept.
///
/// ```yaml
/// privacy:
///   redact: [email, phone, card, iban, ip, url_credentials]   # or [all]
///   retain_text_days: 30
/// ```
public struct PrivacyPlan: Codable, Sendable, Equatable {
    /// Kinds replaced by placeholders in every eval set's prompts and references (sorted).
    public var redact: [RedactionKind] = []
    /// After each run, prompt and output text of this experiment's predictions older than this many
    /// days is pruned (`tollgate prune`); nil keeps text for ever.
    public var retainTextDays: Int?

    public init(redact: [RedactionKind] = [], retainTextDays: Int? = nil) {
        self.redact = redact
        self.retainTextDays = retainTextDays
    }
}

/// Reads `privacy:` from the top-level mapping.
struct PrivacyBlockParser {
    let root: YAMLMapping

    func plan() throws -> PrivacyPlan? {
        guard let map = try root.mapping("privacy") else { return nil }
        try map.allowOnly(["redact", "retain_text_days"])
        var plan = PrivacyPlan()
        if let node = map.node("redact") {
            let items = try YAMLValue(node: node, file: map.file, path: map.child("redact")).list()
            if items.isEmpty {
                throw map.error("redact", .invalidValue("is an empty list; name kinds to redact (\(RedactionKind.names)) or remove the key"))
            }
            var names: [String] = []
            for item in items {
                let name = try item.choice(RedactionKind.allCases.map(\.rawValue) + ["all"])
                if names.contains(name) { throw item.invalid("repeats '\(name)'; list each once") }
                names.append(name)
            }
            plan.redact = try RedactionKind.parse(names)
        }
        if let days = try map.int("retain_text_days") {
            if days < 1 {
                throw map.error("retain_text_days", .invalidValue(
                    "is \(days); keep text at least 1 day, or prune at once with tollgate prune --older-than 0d"))
            }
            plan.retainTextDays = days
        }
        return plan
    }
}
