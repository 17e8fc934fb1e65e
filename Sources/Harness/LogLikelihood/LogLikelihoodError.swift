import Foundation

/// Why a log-likelihood evaluation refused to give a number: bad input (exit 2), each naming the
/// file, line or example and the fix. A score that could be silently wrong is one of these instead.
public enum LogLikelihoodError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case empty(path: String)
    /// A token spans the context/continuation join, so the continuation has no tokens of its own.
    case emptyContinuation(example: String, choice: Int, context: String, continuation: String)
    /// Every choice scored the same: an all-zero (or broken) scorer would give chance accuracy.
    case identicalLogLikelihoods(example: String, value: Double)
    /// The context's tokens and the whole request's disagree about the beginning-of-sequence token.
    case bosMismatch(example: String, reason: String)
    case contextTooLong(example: String, tokens: Int, limit: Int)
    case emptyText(example: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read the eval set: \(reason)"
        case let .badLine(path, line, reason): return "\(path):\(line): \(reason)"
        case let .empty(path): return "\(path): no examples; a multiple-choice set needs one {\"context\", \"choices\", \"label\"} object a line"
        case let .emptyContinuation(example, choice, context, continuation):
            return "example \(example): choice \(choice) has no tokens of its own — a token spans the join of "
                + "\(Self.quoted(String(context.suffix(20)))) and \(Self.quoted(String(continuation.prefix(20)))); "
                + "end the context at a word boundary or start the choice with the delimiter"
        case let .identicalLogLikelihoods(example, value):
            return "example \(example): every choice has log-likelihood \(value), so acc would be chance; "
                + "the scorer returned no real log-probabilities (an endpoint without prompt log-probabilities?) or the choices are identical"
        case let .bosMismatch(example, reason):
            return "example \(example): \(reason); remove the BOS text from the context or set add_bos in the model's tokenizer"
        case let .contextTooLong(example, tokens, limit):
            return "example \(example): context and continuation take \(tokens) tokens, over the model's context of \(limit); "
                + "shorten it, drop the example, or pass --truncate-context left to cut contexts from the left (recorded with the evaluation)"
        case let .emptyText(example): return "example \(example): \"text\" is empty; a perplexity set needs some text on every line"
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
