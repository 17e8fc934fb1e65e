import Foundation

/// A problem in an experiment file, located by file, line and key, with the fix. The CLI turns it
/// into one line on stderr and exit code 2.
public struct ExperimentFileError: LocalizedError, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        /// The file cannot be read (missing, unreadable, not UTF-8, too large).
        case unreadable(String)
        /// The text is not YAML; the message is libyaml's.
        case syntax(String)
        /// A key the experiment format does not have; with the nearest known key when one is close.
        case unknownKey(suggestion: String?, allowed: [String])
        /// The same key twice in one mapping.
        case duplicateKey
        /// A value of the wrong YAML type, e.g. a string where an integer belongs.
        case wrongType(expected: String, found: String)
        /// A required key is absent.
        case missingKey(hint: String)
        /// The type is right but the value is not allowed; the message says what is.
        case invalidValue(String)
    }

    public let file: String
    /// 1-based line of the offending node; nil when the file could not be parsed that far.
    public let line: Int?
    /// Dotted path of the key, e.g. "training.rank" or "eval_sets[0].metrics"; empty for the file.
    public let key: String
    public let problem: Problem

    public init(file: String, line: Int?, key: String, problem: Problem) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    private var location: String { line.map { "\(file):\($0)" } ?? file }

    /// The last component of the key path: "metircs" for "eval_sets[0].metircs".
    private var leafKey: String {
        String(key.split(separator: ".").last ?? Substring(key))
    }

    /// The mapping that holds the key, for messages: "eval_sets[0]" or "the top level".
    private var container: String {
        let parts = key.split(separator: ".")
        return parts.count > 1 ? parts.dropLast().joined(separator: ".") : "the top level"
    }

    public var errorDescription: String? {
        switch problem {
        case .unreadable(let reason):
            return "cannot read experiment file \(file): \(reason)"
        case .syntax(let message):
            return "\(location) is not valid YAML: \(message); check the indentation and quoting there"
        case .unknownKey(let suggestion?, _):
            return "unknown key '\(leafKey)' in \(container) at \(location); did you mean '\(suggestion)'?"
        case .unknownKey(nil, let allowed):
            return "unknown key '\(leafKey)' in \(container) at \(location); the keys allowed there are \(allowed.joined(separator: ", "))"
        case .duplicateKey:
            return "key '\(key)' appears twice at \(location); keep one of them"
        case .wrongType(let expected, let found):
            return "'\(key)' at \(location) must be \(expected), not \(found)"
        case .missingKey(let hint):
            return "missing key '\(key)' at \(location); add \(hint)"
        case .invalidValue(let message):
            return "'\(key)' at \(location) \(message)"
        }
    }
}

/// The closest candidate by edit distance (transpositions count once), when it is close enough to be
/// a typo: at most 2 edits, or a third of the word's length for long words.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let limit = max(2, word.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(word.lowercased(), candidate.lowercased())
        if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.candidate
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // (a.count + 1, b.count + 1), row-major.
    var d = [Int](repeating: 0, count: (a.count + 1) * (b.count + 1))
    let width = b.count + 1
    for i in 0...a.count { d[i * width] = i }
    for j in 0...b.count { d[j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var value = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                value = min(value, d[(i - 2) * width + j - 2] + 1)
            }
            d[i * width + j] = value
        }
    }
    return d[a.count * width + b.count]
}
