import Corpus
import Foundation

/// One multiple-choice item, lm-evaluation-harness's request shape: the context, then each choice
/// after `targetDelimiter` (" " by default; the delimiter belongs to the continuation).
public struct MultipleChoiceItem: Codable, Sendable, Equatable {
    public var id: String
    public var context: String
    public var choices: [String]
    /// Index of the gold choice.
    public var label: Int
    public var targetDelimiter: String

    public init(id: String, context: String, choices: [String], label: Int, targetDelimiter: String = " ") {
        self.id = id; self.context = context; self.choices = choices; self.label = label
        self.targetDelimiter = targetDelimiter
    }

    /// The continuation scored for choice `k`: delimiter + choice.
    public func continuation(_ k: Int) -> String { targetDelimiter + choices[k] }
}

/// An eval set of `kind: multiple_choice` — JSONL lines {"id", "context", "choices": [...], "label": k}
/// with an optional "target_delimiter" — or of `kind: perplexity` — lines {"id"?, "text"}.
public struct LogLikelihoodSet: Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case multipleChoice = "multiple_choice"
        case perplexity
    }

    public var path: String
    public var name: String
    public var sha256: String
    public var kind: Kind
    public var items: [MultipleChoiceItem] = []
    /// Perplexity sets: (id, text).
    public var texts: [(id: String, text: String)] = []

    public var count: Int { kind == .multipleChoice ? items.count : texts.count }

    /// Reads and validates every line; a bad line is an error naming path:line and what to write.
    public static func load(path: String, kind: Kind) throws -> LogLikelihoodSet {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LogLikelihoodError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LogLikelihoodError.unreadable(path: path, reason: "not UTF-8")
        }
        var set = LogLikelihoodSet(path: path, name: Self.name(of: path), sha256: SHA256.hex(data), kind: kind)
        var seen = Set<String>()
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let raw: RawLine
            do { raw = try JSONDecoder().decode(RawLine.self, from: Data(line.utf8)) } catch {
                throw LogLikelihoodError.badLine(path: path, line: lineNumber, reason: Self.reason(error, kind: kind))
            }
            let id = raw.id?.text ?? "\(set.count)"
            guard seen.insert(id).inserted else {
                throw LogLikelihoodError.badLine(path: path, line: lineNumber, reason: "id \"\(id)\" appears twice; ids must be unique")
            }
            switch kind {
            case .multipleChoice: set.items.append(try item(raw, id: id, path: path, line: lineNumber))
            case .perplexity:
                guard let body = raw.text else {
                    throw LogLikelihoodError.badLine(path: path, line: lineNumber, reason: "a perplexity set needs \"text\": a string")
                }
                set.texts.append((id, body))
            }
        }
        guard set.count > 0 else { throw LogLikelihoodError.empty(path: path) }
        return set
    }

    /// A line as written; which keys are required depends on the kind.
    private struct RawLine: Decodable {
        var id: TextOrNumber?
        var context: String?
        var choices: [String]?
        var label: Int?
        var targetDelimiter: String?
        var text: String?
        enum CodingKeys: String, CodingKey { case id, context, choices, label, text, targetDelimiter = "target_delimiter" }
    }

    /// Ids may be written as strings or numbers.
    private struct TextOrNumber: Decodable {
        var text: String
        init(from decoder: Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let string = try? value.decode(String.self) { text = string } else { text = String(try value.decode(Int.self)) }
        }
    }

    private static func reason(_ error: Error, kind: Kind) -> String {
        guard let decoding = error as? DecodingError else { return "not a JSON object" }
        switch decoding {
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            let key = context.codingPath.first?.stringValue ?? "the line"
            switch key {
            case "choices": return "\"choices\" must be a list of strings"
            case "label": return "\"label\" must be the 0-based index of the gold choice (an integer)"
            case "id": return "\"id\" must be a string or an integer"
            default: return "\"\(key)\" must be a string"
            }
        default: return "not a JSON object"
        }
    }

    private static func item(_ raw: RawLine, id: String, path: String, line: Int) throws -> MultipleChoiceItem {
        func bad(_ reason: String) -> LogLikelihoodError { .badLine(path: path, line: line, reason: reason) }
        guard let context = raw.context else { throw bad("a multiple-choice line needs \"context\": a string") }
        guard let choices = raw.choices, choices.count >= 2 else { throw bad("\"choices\" must be a list of at least two strings") }
        guard let label = raw.label else { throw bad("\"label\" must be the 0-based index of the gold choice") }
        guard choices.indices.contains(label) else {
            throw bad("\"label\" is \(label) but there are \(choices.count) choices (0-based index)")
        }
        let delimiter = raw.targetDelimiter ?? " "
        if context.isEmpty && delimiter.isEmpty {
            throw bad("an empty context needs a target_delimiter, or the first choice token has nothing to follow")
        }
        return MultipleChoiceItem(id: id, context: context, choices: choices, label: label, targetDelimiter: delimiter)
    }

    /// "hellaswag/validation-1000" for Datasets/hellaswag/validation-1000.jsonl.
    static func name(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().lastPathComponent + "/" + url.deletingPathExtension().lastPathComponent
    }
}
