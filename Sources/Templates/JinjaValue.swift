import Foundation

/// A value inside a template, with Python's kinds as jinja2 sees them: templates are Python code in
/// all but syntax, so `1 == 1.0`, `[] ` is false, and `7 / 2` is `3.5`.
public indirect enum JinjaValue: Sendable {
    /// A name or key that is not there. Printing it gives "", testing it gives false; reading an
    /// attribute of it or doing arithmetic with it is an error (jinja2's default `Undefined`).
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// Python lists and tuples (templates cannot mutate either: the sandbox forbids `append`).
    case list([JinjaValue])
    /// A Python tuple: `(a, b)`, `a, b`, the pairs of `items()`. Prints as `('a', 1)`.
    case tuple([JinjaValue])
    case dict(JinjaDict)
    /// `namespace(...)`: the one value a template may change in place (`{% set ns.x = … %}`).
    case namespace(JinjaNamespace)
    case callable(JinjaCallable)
    /// `loop` inside a for block.
    case loop(LoopState)

    public var isUndefined: Bool { if case .undefined = self { return true } else { return false } }
    public var isNone: Bool { if case .none = self { return true } else { return false } }

    /// Python truthiness.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l), .tuple(let l): return !l.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .callable, .loop: return true
        }
    }

    /// The name Python gives the value's type, for messages ("'dict object' has no attribute 'x'").
    public var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        case .loop: return "LoopContext"
        }
    }

    /// Numeric view for arithmetic (bool counts as int, as in Python).
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    var integer: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}

/// A Python dict: insertion-ordered, string keys (the only keys chat messages and templates use).
public struct JinjaDict: Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JinjaValue)]) { for (k, v) in pairs { self[k] = v } }

    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }
    public var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[$0]!) } }
    public var values: [JinjaValue] { keys.map { storage[$0]! } }
}

/// `namespace()`: a reference, so assignments inside a loop are seen after it.
public final class JinjaNamespace: @unchecked Sendable {
    var attributes: JinjaDict
    init(_ attributes: JinjaDict) { self.attributes = attributes }
}

/// A function a template can call: a macro, a global (`range`, `raise_exception`), or a method
/// bound to its receiver (`message.content.strip`).
public final class JinjaCallable: @unchecked Sendable {
    let name: String
    let call: (_ arguments: CallArguments, _ renderer: Renderer) throws -> JinjaValue
    init(name: String, call: @escaping (CallArguments, Renderer) throws -> JinjaValue) {
        self.name = name
        self.call = call
    }
}

/// Positional and keyword arguments of one call.
struct CallArguments {
    var positional: [JinjaValue] = []
    var keywords: [(String, JinjaValue)] = []

    /// The argument at `index`, or the keyword `name`, or nil.
    func value(_ index: Int, _ name: String) -> JinjaValue? {
        if index < positional.count { return positional[index] }
        return keywords.first { $0.0 == name }?.1
    }
}

extension JinjaValue {
    /// Python `==`: numbers across int/float/bool, containers element-wise; undefined equals only undefined.
    func pythonEquals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dict(let a), .dict(let b)):
            guard a.count == b.count else { return false }
            return a.pairs.allSatisfy { key, value in b[key].map { value.pythonEquals($0) } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.callable(let a), .callable(let b)): return a === b
        case (.loop(let a), .loop(let b)): return a === b
        default:
            if let x = number, let y = other.number { return x == y }
            return false
        }
    }
}

extension JinjaValue: Equatable {
    /// Python's `==` (so `1 == 1.0`); namespaces, callables and loops by identity.
    public static func == (a: JinjaValue, b: JinjaValue) -> Bool { a.pythonEquals(b) }
}
