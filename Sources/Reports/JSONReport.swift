import Foundation
import Gate

/// The machine-readable report: everything in the input plus the verdict and its one-sentence why,
/// snake_case keys in sorted order so diffs between runs are stable.
public enum JSONReport {
    /// Bumped when a key changes meaning or disappears.
    public static let schema = "tollgate.report/1"

    struct Document: Codable {
        var schema: String
        var verdict: Verdict
        var why: String
        var report: ReportInput
    }

    public static func render(_ input: ReportInput) throws -> String {
        let document = Document(schema: schema, verdict: input.decision.verdict, why: input.decision.why, report: input)
        let data = try encoder().encode(document)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads a report written by `render` (for `tollgate report` over a stored JSON, and for tests).
    public static func decode(_ data: Data) throws -> ReportInput {
        try decoder().decode(Document.self, from: data).report
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // A NaN metric must not make the whole report unwritable.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
