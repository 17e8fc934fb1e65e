import Foundation
import Tokenizer

/// What a dataset is for; decides which formats and shapes are accepted.
public enum ExamplePurpose: Sendable {
    /// Fine-tuning: every format; something to learn (a completion, a final assistant turn or text).
    case training
    /// Scoring: a prompt and at least one gold; `text` examples are refused.
    case evaluation
}

/// Reads a JSONL dataset and validates every line before any model work starts.
public enum ExampleParser {
    public static let roles: Set<String> = ["system", "user", "assistant"]

    /// All examples of the file at `path`, or the first bad line as a `CorpusError`.
    public static func load(path: String, purpose: ExamplePurpose) throws -> [Example] {
        try DatasetFile.load(path: path, purpose: purpose).examples
    }

    /// All examples in JSONL `data`; `path` only names the source in errors.
    public static func parse(_ data: Data, path: String, purpose: ExamplePurpose) throws -> [Example] {
        var examples: [Example] = []
        var firstLineOfID: [String: Int] = [:]
        var lineNumber = 0
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte-order mark
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var lineBytes = rawLine
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            guard let text = String(validating: lineBytes, as: UTF8.self) else {
                throw CorpusError.badLine(path: path, line: lineNumber, reason: "the line is not valid UTF-8",
                                          fix: "save the file as UTF-8")
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            let example = try parseLine(text, line: lineNumber, path: path, purpose: purpose)
            if let id = example.id {
                if let first = firstLineOfID[id] {
                    throw CorpusError.duplicateID(path: path, line: lineNumber, id: id, firstLine: first)
                }
                firstLineOfID[id] = lineNumber
            }
            examples.append(example)
        }
        if examples.isEmpty { throw CorpusError.noExamples(path: path) }
        return examples
    }

    static func parseLine(_ text: String, line: Int, path: String, purpose: ExamplePurpose) throws -> Example {
        func bad(_ reason: String, _ fix: String) -> CorpusError {
            CorpusError.badLine(path: path, line: line, reason: reason, fix: fix)
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw bad("the line is not valid JSON", "write one complete JSON object per line")
        }
        guard case .object(let fields) = value else {
            throw bad("the line is \(value.kindDescription), not a JSON object",
                      "write one object per line, e.g. {\"prompt\": \"…\", \"completion\": \"…\"}")
        }
        let formats = ["prompt", "messages", "text"].filter { fields[$0] != nil }
        guard formats.count == 1, let format = formats.first else {
            if formats.isEmpty {
                throw bad("the object has none of the fields \"prompt\", \"messages\" or \"text\"",
                          "use {\"prompt\", \"completion\"}, {\"messages\": [...]} or {\"text\"}")
            }
            throw bad("the object mixes the fields \(formats.map { "\"\($0)\"" }.joined(separator: " and "))",
                      "use exactly one format per line")
        }

        let id = try exampleID(fields["id"], bad: bad)
        let references = try explicitReferences(fields["references"], bad: bad)
        let body: Example.Body
        switch format {
        case "prompt":
            let prompt = try string(fields["prompt"], named: "prompt", bad: bad)
            let completion = try fields["completion"].map { try string($0, named: "completion", bad: bad) }
            if completion == nil && (purpose == .training || references == nil) {
                throw bad("the field \"completion\" is missing",
                          purpose == .training ? "add the text to learn as \"completion\""
                                               : "add \"completion\" or \"references\": [...] with the gold answers")
            }
            body = .promptCompletion(prompt: prompt, completion: completion)
        case "messages":
            let messages = try chatMessages(fields["messages"], bad: bad)
            let endsWithAssistant = messages.last?.role == "assistant"
            if !endsWithAssistant && (purpose == .training || references == nil) {
                throw bad("the last message is from \"\(messages.last!.role)\", not the assistant",
                          purpose == .training ? "end the conversation with the assistant turn to learn"
                                               : "end with the gold assistant turn, or add \"references\": [...]")
            }
            if purpose == .evaluation && endsWithAssistant && messages.count == 1 {
                throw bad("the only message is the assistant's, so there is no prompt",
                          "put a user turn before the assistant turn")
            }
            body = .messages(messages)
        default:
            guard purpose == .training else {
                throw bad("a \"text\" example has no prompt to evaluate",
                          "use {\"prompt\", \"completion\"} or {\"messages\": [...]} in evaluation sets")
            }
            let text = try string(fields["text"], named: "text", bad: bad)
            if text.isEmpty { throw bad("the field \"text\" is empty", "remove the line or give it text") }
            body = .text(text)
        }
        var example = Example(id: id, body: body, references: [], line: line)
        example.references = references ?? example.completion.map { [$0] } ?? []
        return example
    }

    private static func string(_ value: JSONValue?, named name: String, bad: (String, String) -> CorpusError) throws -> String {
        guard let value else { throw bad("the field \"\(name)\" is missing", "add \"\(name)\" as a JSON string") }
        guard case .string(let text) = value else {
            throw bad("the field \"\(name)\" is \(value.kindDescription), not a string", "write \"\(name)\" as a JSON string")
        }
        return text
    }

    private static func exampleID(_ value: JSONValue?, bad: (String, String) -> CorpusError) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15: return String(Int64(number))
        case let other?:
            throw bad("the field \"id\" is \(other.kindDescription), not a string or an integer",
                      "write \"id\" as a JSON string")
        }
    }

    private static func explicitReferences(_ value: JSONValue?, bad: (String, String) -> CorpusError) throws -> [String]? {
        guard let value else { return nil }
        guard case .array(let items) = value, !items.isEmpty else {
            throw bad("the field \"references\" is \(value == .array([]) ? "an empty array" : value.kindDescription)",
                      "write \"references\" as a non-empty array of strings")
        }
        return try items.enumerated().map { index, item in
            guard case .string(let text) = item else {
                throw bad("references[\(index)] is \(item.kindDescription), not a string",
                          "write every reference as a JSON string")
            }
            return text
        }
    }

    private static func chatMessages(_ value: JSONValue?, bad: (String, String) -> CorpusError) throws -> [ChatMessage] {
        guard case .array(let items)? = value else {
            throw bad("the field \"messages\" is \(value?.kindDescription ?? "missing"), not an array",
                      "write \"messages\": [{\"role\": \"user\", \"content\": \"…\"}, …]")
        }
        if items.isEmpty {
            throw bad("the field \"messages\" is empty", "give at least a user turn and an assistant turn")
        }
        return try items.enumerated().map { index, item in
            guard case .object(let turn) = item else {
                throw bad("messages[\(index)] is \(item.kindDescription), not an object",
                          "write each message as {\"role\": \"…\", \"content\": \"…\"}")
            }
            let role = try string(turn["role"], named: "messages[\(index)].role", bad: bad)
            guard roles.contains(role) else {
                throw bad("messages[\(index)] has the unknown role \"\(role)\"",
                          "use one of \"system\", \"user\" or \"assistant\"")
            }
            let content = try string(turn["content"], named: "messages[\(index)].content", bad: bad)
            return ChatMessage(role: role, content: content)
        }
    }
}
