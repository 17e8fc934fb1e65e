import Corpus
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

extension DataCheckExample {
    /// The check's view of a parsed Corpus example: the prompt (or the turns before the final
    /// assistant turn, one `role: content` line each, or the text) and the completion (or the
    /// first reference when the holdout gives references instead).
    public init(_ example: Example) {
        let input: String
        switch example.body {
        case .promptCompletion(let prompt, _):
            input = prompt
        case .messages:
            input = (example.promptMessages ?? []).map { "\($0.role): \($0.content)" }.joined(separator: "\n")
        case .text(let text):
            input = text
        }
        self.init(id: example.id ?? "line:\(example.line)", input: input,
                  output: example.completion ?? example.references.first ?? "", line: example.line)
    }
}

/// Reads a JSONL dataset with Corpus's parser (every line validated, errors name file:line):
/// training files in any format, holdout files as evaluation sets.
public enum DataCheckReader {
    public static func read(_ url: URL, purpose: ExamplePurpose) throws -> [DataCheckExample] {
        try ExampleParser.load(path: url.path, purpose: purpose).map(DataCheckExample.init)
    }
}
