import Foundation

/// Reads a judge's verdict from its raw output in one documented form, and nothing else:
///
///     VERDICT: PASS            (rubric, pass/fail)      VERDICT: 4   or   VERDICT: 4/5   (rubric, 1–N)
///     VERDICT: CONSISTENT      (reference)              VERDICT: A | B | TIE             (pairwise)
///
/// The verdict is the **last** line that starts with `VERDICT:` (key and value in any case, the
/// value alone on the line; markdown emphasis `**…**`, and one trailing period are tolerated).
/// Binding to the last line means reasoning that quotes the form earlier cannot decide it. Anything
/// else is unscored, with the reason: empty output, a stop at the token limit before a complete verdict
/// line, a refusal the server reports (`content_filter`), no verdict line, or a value off the
/// judge's menu — never a pass, never a fail. An output cut at the token limit is read only from its
/// complete lines (those ended by a line break), so a verdict line the cut could have changed never counts.
///
/// A constrained judge (`JudgeConstraint`) answers in the JSON form instead, and only in it: the whole
/// output is one object `{"verdict": "PASS"}` whose value is exactly one of the judge's labels (a 1–N
/// score may also be a JSON number, `{"verdict": 4}`). Malformed JSON, a missing `verdict`, extra text,
/// or a value off the menu is unscored as above.
public enum JudgeVerdictParser {
    public enum Outcome: Equatable, Sendable {
        case scored(label: String)
        case unscored(reason: String)
    }

    public static let key = "VERDICT:"

    /// - Parameters:
    ///   - labels: the judge's menu (`JudgePlan.labels`), upper case.
    ///   - finishReason: the server's, when it gave one.
    ///   - hitTokenLimit: the output used every token it was allowed (a local model's truncation).
    ///   - json: the judge is constrained: read the JSON form, not a `VERDICT:` line.
    public static func parse(_ output: String, labels: [String], finishReason: String?, hitTokenLimit: Bool,
                             json: Bool = false) -> Outcome {
        if output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .unscored(reason: finishReason == "content_filter" ? "refused (content_filter)" : "empty output")
        }
        if finishReason == "content_filter" { return .unscored(reason: "refused (content_filter)") }
        // Cut at the token limit: the last line may be cut mid-word, so only the complete lines before it count.
        let truncated = finishReason == "length" || (finishReason == nil && hitTokenLimit)
        if json { return parseJSON(output, labels: labels, truncated: truncated) }
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map { strip(String($0)) }
        if truncated { lines.removeLast() }
        guard let line = lines.last(where: { $0.uppercased().hasPrefix(key) }) else {
            return .unscored(reason: truncated ? "truncated at the token limit before a complete VERDICT line" : "no VERDICT line")
        }
        var value = strip(String(line.dropFirst(key.count))).uppercased()
        if value.hasSuffix(".") { value.removeLast() }
        value = strip(value)
        // A 1–N score may be written over its scale ("4/5").
        if let slash = value.firstIndex(of: "/"), labels.allSatisfy({ Int($0) != nil }),
           String(value[value.index(after: slash)...]) == labels.last {
            value = String(value[..<slash]).trimmingCharacters(in: .whitespaces)
        }
        guard labels.contains(value) else {
            return .unscored(reason: "verdict '\(value.prefix(40))' is not one of \(labels.joined(separator: ", "))")
        }
        return .scored(label: value)
    }

    /// The JSON form: `{"verdict": label}` and nothing else around it but whitespace.
    private static func parseJSON(_ output: String, labels: [String], truncated: Bool) -> Outcome {
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let verdict = try? JSONDecoder().decode(JSONVerdict.self, from: Data(text.utf8)) else {
            return .unscored(reason: truncated ? "truncated at the token limit before a complete JSON verdict"
                : "malformed JSON verdict '\(text.prefix(40))'")
        }
        guard labels.contains(verdict.value) else {
            return .unscored(reason: "verdict '\(verdict.value.prefix(40))' is not one of \(labels.joined(separator: ", "))")
        }
        return .scored(label: verdict.value)
    }

    /// `{"verdict": "PASS"}`, or a whole number for a 1–N score (`true` or 4.5 is malformed).
    private struct JSONVerdict: Decodable {
        var value: String
        enum CodingKeys: String, CodingKey { case verdict }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? container.decode(String.self, forKey: .verdict) {
                value = text
            } else {
                value = String(try container.decode(Int.self, forKey: .verdict))
            }
        }
    }

    /// Trims whitespace and markdown emphasis around a line or value.
    private static func strip(_ text: String) -> String {
        var text = text.trimmingCharacters(in: .whitespaces)
        while let first = text.first, "*_`".contains(first) { text.removeFirst() }
        while let last = text.last, "*_`".contains(last) { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
