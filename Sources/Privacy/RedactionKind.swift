/// The kinds of personal data Tollgate can find and redact. The raw values are what experiment
/// files (`privacy: {redact: [...]}`) and `--redact` accept, and what evaluation identities record.
public enum RedactionKind: String, CaseIterable, Codable, Sendable, Comparable {
    case email
    case phone
    case card
    case iban
    case ip
    case urlCredentials = "url_credentials"

    /// The word inside a placeholder: `<EMAIL_1>`, `<URL_CREDENTIALS_2>`.
    public var placeholderLabel: String { rawValue.uppercased() }

    /// When two findings overlap, the kind listed first wins: the credentials in
    /// `https://ann:pw@host.example` are one URL credential, not an email address, and an IBAN's
    /// digits are never read as a card or a phone number.
    static let precedence: [RedactionKind] = [.urlCredentials, .email, .iban, .card, .ip, .phone]

    public static func < (lhs: RedactionKind, rhs: RedactionKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Kinds from a comma-separated list such as `card,email`, or `all`; sorted and without repeats,
    /// so the order a user writes them in never changes an evaluation's identity.
    public static func parseList(_ text: String) throws -> [RedactionKind] {
        let names = text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        return try parse(names)
    }

    /// Kinds from a list of names (`all` stands for every kind); sorted, without repeats.
    public static func parse(_ names: [String]) throws -> [RedactionKind] {
        var kinds = Set<RedactionKind>()
        for name in names {
            if name == "all" { kinds.formUnion(allCases); continue }
            guard let kind = RedactionKind(rawValue: name) else { throw UnknownRedactionKind(name: name) }
            kinds.insert(kind)
        }
        return kinds.sorted()
    }

    /// Every accepted name, for messages and help.
    public static var names: String { (allCases.map(\.rawValue) + ["all"]).joined(separator: ", ") }
}

/// A name that is not a redaction kind; the message lists the ones that are.
public struct UnknownRedactionKind: Error, Equatable, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "'\(name)' is not a kind of personal data Tollgate redacts; use \(RedactionKind.names)" }
}
