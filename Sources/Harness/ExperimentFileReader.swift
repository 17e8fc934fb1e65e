import Foundation
import Yams

/// Reads one YAML mapping of an experiment file strictly: every key must be known, every value of the
/// right type, and each error names the file, the line (from the node's mark) and the key path.
struct YAMLMapping {
    let file: String
    /// Dotted path of this mapping; empty for the top level.
    let path: String
    let line: Int?
    private var entries: [String: (key: Node, value: Node)] = [:]
    private(set) var order: [String] = []

    init(_ node: Node, file: String, path: String) throws {
        self.file = file
        self.path = path
        self.line = node.mark?.line
        guard case .mapping(let mapping) = node else {
            throw ExperimentFileError(file: file, line: node.mark?.line, key: path.isEmpty ? "(file)" : path,
                                      problem: .wrongType(expected: "a mapping of keys to values", found: describe(node)))
        }
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ExperimentFileError(file: file, line: key.mark?.line, key: path.isEmpty ? "(key)" : path + ".(key)",
                                          problem: .wrongType(expected: "a plain key", found: describe(key)))
            }
            let name = scalar.string
            if entries[name] != nil {
                throw ExperimentFileError(file: file, line: key.mark?.line, key: child(name), problem: .duplicateKey)
            }
            entries[name] = (key, value)
            order.append(name)
        }
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Fails on the first key (in file order) that is not in `allowed`, suggesting the closest one.
    func allowOnly(_ allowed: [String]) throws {
        for name in order where !allowed.contains(name) {
            throw ExperimentFileError(file: file, line: entries[name]?.key.mark?.line, key: child(name),
                                      problem: .unknownKey(suggestion: closestMatch(to: name, among: allowed), allowed: allowed))
        }
    }

    func has(_ key: String) -> Bool { entries[key] != nil }

    /// The value node, nil when the key is absent.
    func node(_ key: String) -> Node? { entries[key]?.value }

    func error(_ key: String, _ problem: ExperimentFileError.Problem) -> ExperimentFileError {
        ExperimentFileError(file: file, line: entries[key]?.value.mark?.line ?? line, key: child(key), problem: problem)
    }

    func missing(_ key: String, hint: String) -> ExperimentFileError {
        ExperimentFileError(file: file, line: line, key: child(key), problem: .missingKey(hint: hint))
    }

    // MARK: Typed values (nil when the key is absent)

    func string(_ key: String) throws -> String? {
        guard let node = node(key) else { return nil }
        return try YAMLValue(node: node, file: file, path: child(key)).string()
    }

    func int(_ key: String) throws -> Int? {
        guard let node = node(key) else { return nil }
        return try YAMLValue(node: node, file: file, path: child(key)).int()
    }

    func double(_ key: String) throws -> Double? {
        guard let node = node(key) else { return nil }
        return try YAMLValue(node: node, file: file, path: child(key)).double()
    }

    func bool(_ key: String) throws -> Bool? {
        guard let node = node(key) else { return nil }
        return try YAMLValue(node: node, file: file, path: child(key)).bool()
    }

    func stringList(_ key: String) throws -> [String]? {
        guard let node = node(key) else { return nil }
        return try YAMLValue(node: node, file: file, path: child(key)).list().map { try $0.string() }
    }

    func mapping(_ key: String) throws -> YAMLMapping? {
        guard let node = node(key) else { return nil }
        return try YAMLMapping(node, file: file, path: child(key))
    }

    func required<T>(_ value: T?, _ key: String, hint: String) throws -> T {
        guard let value else { throw missing(key, hint: hint) }
        return value
    }
}

/// One YAML value with its location, converted to a Swift type only when its resolved tag matches.
struct YAMLValue {
    let node: Node
    let file: String
    let path: String

    var line: Int? { node.mark?.line }

    func wrongType(_ expected: String) -> ExperimentFileError {
        ExperimentFileError(file: file, line: line, key: path, problem: .wrongType(expected: expected, found: describe(node)))
    }

    func invalid(_ message: String) -> ExperimentFileError {
        ExperimentFileError(file: file, line: line, key: path, problem: .invalidValue(message))
    }

    /// Strings, and numbers written without quotes (an evaluation id like 42), as written.
    func string() throws -> String {
        guard case .scalar(let scalar) = node, [.str, .int, .float].contains(tagName(node)) else {
            throw wrongType("a string")
        }
        return scalar.string
    }

    func int() throws -> Int {
        guard tagName(node) == .int, let value = node.int else { throw wrongType("an integer") }
        return value
    }

    func double() throws -> Double {
        let value: Double?
        switch tagName(node) {
        case .int: value = node.int.map(Double.init)
        case .float: value = node.float
        default: value = nil
        }
        guard let value else { throw wrongType("a number") }
        guard value.isFinite else { throw invalid("is \(describe(node)); use a finite number") }
        return value
    }

    func bool() throws -> Bool {
        guard tagName(node) == .bool, let value = node.bool else { throw wrongType("true or false") }
        return value
    }

    func list() throws -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw wrongType("a list") }
        return sequence.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// One of `choices`, suggesting the closest on a typo.
    func choice(_ choices: [String]) throws -> String {
        let value = try string()
        guard choices.contains(value) else {
            let suggestion = closestMatch(to: value, among: choices).map { " (did you mean '\($0)'?)" } ?? ""
            throw invalid("is '\(value)'; use one of \(choices.joined(separator: ", "))\(suggestion)")
        }
        return value
    }
}

/// How a node reads in an error: "the string 'eight'", "a list", "null".
func describe(_ node: Node) -> String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .scalar(let scalar):
        let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
        switch tagName(node) {
        case .int: return "the integer \(text)"
        case .float: return "the number \(text)"
        case .bool: return "the boolean \(text)"
        case .null: return "an empty value"
        default: return "the string '\(text)'"
        }
    }
}

/// The node's resolved tag (`Tag.name` is internal to Yams; its description is the name).
func tagName(_ node: Node) -> Tag.Name {
    Tag.Name(rawValue: node.tag.description)
}
