/// One kind's finder. Detectors are pure functions of the text: they return byte ranges of the
/// UTF-8 text they were given, and the key under which two findings count as the same value
/// (so "4111 1111 1111 1111" and "4111-1111-1111-1111" share one placeholder number).
protocol Detector: Sendable {
    var kind: RedactionKind { get }
    /// Ranges of `bytes` (UTF-8) holding this kind, in order, not overlapping one another.
    func ranges(in bytes: [UInt8]) -> [Range<Int>]
    /// The value a finding stands for, for numbering: equal keys get equal placeholders.
    func identity(of bytes: ArraySlice<UInt8>) -> String
}

/// A span of personal data found in a text.
public struct Finding: Sendable, Equatable {
    public var kind: RedactionKind
    /// Byte offsets into the text's UTF-8.
    public var range: Range<Int>
    /// The text found, as written.
    public var text: String
    /// What equal findings share (digits of a number, lowercased address, …).
    public var identity: String
}

enum Detectors {
    static let all: [any Detector] = [
        URLCredentialsDetector(), EmailDetector(), IBANDetector(), CardDetector(), IPAddressDetector(), PhoneDetector(),
    ]

    /// Every finding of every kind, overlaps resolved by `RedactionKind.precedence`, in text order.
    /// All kinds are looked for even when only some are redacted, so that a kind that is not asked
    /// for still claims its span (an IBAN's digits are never taken for a card).
    static func findings(in bytes: [UInt8]) -> [Finding] {
        var claimed: [Finding] = []
        for kind in RedactionKind.precedence {
            guard let detector = all.first(where: { $0.kind == kind }) else { continue }
            for range in detector.ranges(in: bytes) where !claimed.contains(where: { $0.range.overlaps(range) }) {
                claimed.append(Finding(kind: kind, range: range, text: bytes.text(range),
                                       identity: detector.identity(of: bytes[range])))
            }
        }
        return claimed.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
