import Foundation

/// One example as the data check sees it: what goes in (the prompt, or the conversation before the
/// final assistant turn, or the text) and what should come out (the completion, or the final
/// assistant turn; empty for `{"text"}` records).
public struct DataCheckExample: Sendable, Equatable {
    /// The record's `"id"`, or `line:N` when it has none.
    public var id: String
    public var input: String
    public var output: String
    /// 1-based line in its file, for messages that point at it.
    public var line: Int

    public init(id: String, input: String, output: String, line: Int) {
        self.id = id
        self.input = input
        self.output = output
        self.line = line
    }
}

public enum DataCheckInputError: LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case noExamples(path: String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path) cannot be read (\(reason)); pass a JSONL file with one example a line"
        case .badLine(let path, let line, let reason):
            return "\(path):\(line): \(reason); each line must be a JSON object with \"prompt\" and \"completion\", \"messages\" or \"text\""
        case .noExamples(let path):
            return "\(path) holds no examples; a dataset needs at least one JSONL line"
        }
    }
}

/// Reads JSONL datasets in the three shapes of the data contract (prompt/completion, messages,
/// text) into `DataCheckExample`s. Blank lines are skipped; anything else that is not such a record
/// is an error naming file:line.
public enum DataCheckReader {
    /// Larger files are refused before reading, so a wrong path cannot make a huge allocation.
    public static let maximumFileBytes = 1 << 30

    public static func read(_ url: URL) throws -> [DataCheckExample] {
        let path = url.path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if let size, size > maximumFileBytes {
            throw DataCheckInputError.unreadable(path: path, reason: "\(size) bytes is larger than the 1 GiB limit")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataCheckInputError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataCheckInputError.unreadable(path: path, reason: "it is not UTF-8 text")
        }
        var examples: [DataCheckExample] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0.isWhitespace }) { continue }
            examples.append(try parse(line: String(line), number: lineNumber, path: path))
        }
        if examples.isEmpty { throw DataCheckInputError.noExamples(path: path) }
        return examples
    }

    static func parse(line: String, number: Int, path: String) throws -> DataCheckExample {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        } catch {
            throw DataCheckInputError.badLine(path: path, line: number, reason: "not valid JSON")
        }
        guard let record = object as? [String: Any] else {
            throw DataCheckInputError.badLine(path: path, line: number, reason: "not a JSON object")
        }
        let id = (record["id"] as? String) ?? (record["id"] as? NSNumber)?.stringValue ?? "line:\(number)"
        func string(_ key: String) throws -> String {
            guard let value = record[key] as? String else {
                throw DataCheckInputError.badLine(path: path, line: number, reason: "\"\(key)\" is not a string")
            }
            return value
        }
        if record["prompt"] != nil || record["completion"] != nil {
            return DataCheckExample(id: id, input: try string("prompt"), output: try string("completion"), line: number)
        }
        if let messages = record["messages"] {
            let (input, output) = try conversation(messages, path: path, line: number)
            return DataCheckExample(id: id, input: input, output: output, line: number)
        }
        if record["text"] != nil {
            return DataCheckExample(id: id, input: try string("text"), output: "", line: number)
        }
        throw DataCheckInputError.badLine(path: path, line: number, reason: "no \"prompt\", \"messages\" or \"text\" field")
    }

    /// The turns before the final assistant turn (one per line, `role: content`) and that turn.
    static func conversation(_ value: Any, path: String, line: Int) throws -> (String, String) {
        guard let turns = value as? [[String: Any]], !turns.isEmpty else {
            throw DataCheckInputError.badLine(path: path, line: line, reason: "\"messages\" is not a non-empty list of objects")
        }
        var rendered: [(role: String, content: String)] = []
        for (index, turn) in turns.enumerated() {
            guard let role = turn["role"] as? String, let content = turn["content"] as? String else {
                throw DataCheckInputError.badLine(path: path, line: line,
                                                  reason: "message \(index) needs string \"role\" and \"content\"")
            }
            rendered.append((role, content))
        }
        guard let last = rendered.last, last.role == "assistant" else {
            throw DataCheckInputError.badLine(path: path, line: line, reason: "the last message is not an assistant turn")
        }
        let input = rendered.dropLast().map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        return (input, last.content)
    }
}
