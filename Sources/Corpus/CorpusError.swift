import Foundation

/// Why a dataset cannot be used. Each message is one line: the file, the line when there is one, the
/// reason, and what to write instead.
public enum CorpusError: LocalizedError, Equatable, Sendable {
    case cannotRead(path: String, reason: String)
    /// One JSONL line is unusable; `line` counts from 1 and includes blank lines.
    case badLine(path: String, line: Int, reason: String, fix: String)
    case noExamples(path: String)
    case duplicateID(path: String, line: Int, id: String, firstLine: Int)
    /// An example cannot be rendered the way it was asked (e.g. an eval prompt for a `text` example).
    case cannotRender(line: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case .cannotRead(let path, let reason):
            return "cannot read the dataset \(path) (\(reason)); check the path"
        case .badLine(let path, let line, let reason, let fix):
            return "\(path):\(line): \(reason); \(fix)"
        case .noExamples(let path):
            return "\(path) has no examples; write one JSON object per line, e.g. {\"prompt\": \"…\", \"completion\": \"…\"}"
        case .duplicateID(let path, let line, let id, let firstLine):
            return "\(path):\(line): id \"\(id)\" was already used on line \(firstLine); give every example its own id"
        case .cannotRender(let line, let reason):
            return "example on line \(line): \(reason)"
        }
    }
}
