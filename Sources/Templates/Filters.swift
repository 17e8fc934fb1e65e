import Foundation

/// jinja2's built-in filters that chat templates use, with transformers' `tojson`
/// (`json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)`).
extension Renderer {
    func applyFilter(_ name: String, to value: JinjaValue, _ arguments: CallArguments) throws -> JinjaValue {
        let arg = arguments.value
        switch name {
        case "default", "d":
            let fallback = arg(0, "default_value") ?? .string("")
            let boolean = arg(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "length", "count":
            return .int(try length(of: value))
        case "string": return .string(try pythonString(value))
        case "trim":
            return .string(try pythonString(value).pythonStrip(chars: try arg(0, "chars").flatMap(optionalString), leading: true, trailing: true))
        case "lower": return .string(try pythonString(value).lowercased())
        case "upper": return .string(try pythonString(value).uppercased())
        case "capitalize": return .string(try pythonString(value).pythonCapitalize())
        case "title": return .string(try pythonString(value).pythonTitle())
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else { throw EvaluationFailure.runtime("replace needs two arguments") }
            let count = arg(2, "count")?.integer ?? -1
            let result = try pythonString(value).pythonReplace(try pythonString(old), try pythonString(new), count: count)
            try budget.checkSize(result.utf8.count, of: "a string built with replace")
            return .string(result)
        case "join":
            var items = try iterate(value)
            if let attributeName = arg(1, "attribute") { items = try items.map { try lookupPath(attributeName, in: $0) } }
            let separator = try arg(0, "d").map(pythonString) ?? ""
            let result = try items.map(pythonString).joined(separator: separator)
            try budget.checkSize(result.utf8.count, of: "a string built with join")
            return .string(result)
        case "first":
            return try iterate(value).first ?? .undefined("No first item, sequence was empty.")
        case "last":
            return try iterate(value).last ?? .undefined("No last item, sequence was empty.")
        case "list": return .list(try iterate(value))
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try iterate(value).reversed())
        case "items":
            switch value {
            case .dict(let dict): return .list(dict.pairs.map { .tuple([.string($0.0), $0.1]) })
            case .undefined: return .list([])
            default: throw EvaluationFailure.runtime("can only get item pairs from a mapping")
            }
        case "int":
            let fallback = arg(0, "default") ?? .int(0)
            switch value {
            case .int, .bool: return .int(value.integer!)
            case .double(let d): return d.isFinite ? .int(Int(d)) : fallback
            case .string(let s):
                let trimmed = s.pythonStrip(chars: nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
                if let i = Int(trimmed) { return .int(i) }
                if let d = Double(trimmed), d.isFinite { return .int(Int(d)) }
                return fallback
            default: return fallback
            }
        case "float":
            let fallback = arg(0, "default") ?? .double(0)
            switch value {
            case .int, .bool, .double: return .double(value.number!)
            case .string(let s): return Double(s.pythonStrip(chars: nil, leading: true, trailing: true)).map { .double($0) } ?? fallback
            default: return fallback
            }
        case "abs":
            switch value {
            case .int(let i): return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return .double(abs(d))
            default: throw typeError("bad operand type for abs()", value)
            }
        case "round":
            guard let number = value.number else { throw typeError("round needs a number", value) }
            let precision = arg(0, "precision")?.integer ?? 0
            let method = try arg(1, "method").map(pythonString) ?? "common"
            let scale = pow(10.0, Double(precision))
            let scaled = number * scale
            let rounded: Double
            switch method {
            case "ceil": rounded = scaled.rounded(.up)
            case "floor": rounded = scaled.rounded(.down)
            default: rounded = scaled.rounded(.toNearestOrAwayFromZero)
            }
            return .double(rounded / scale)
        case "tojson":
            return .string(try toJSON(value, arguments))
        case "safe":
            return value
        case "escape", "e", "forceescape":
            return .string(try pythonString(value).replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&#34;").replacingOccurrences(of: "'", with: "&#39;"))
        case "indent":
            return .string(try indent(try pythonString(value), arguments))
        case "center":
            let width = arg(0, "width")?.integer ?? 80
            let text = try pythonString(value)
            let pad = max(0, width - text.unicodeScalars.count)
            let left = pad / 2 + (pad & width & 1)
            return .string(String(repeating: " ", count: left) + text + String(repeating: " ", count: pad - left))
        case "wordcount":
            return .int(try pythonString(value).split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).count)
        case "unique":
            var seen: [JinjaValue] = []
            for item in try iterate(value) where !seen.contains(where: { $0.pythonEquals(item) }) { seen.append(item) }
            return .list(seen)
        case "sort":
            return .list(try sorted(try iterate(value), arguments))
        case "dictsort":
            guard case .dict(let dict) = value else { throw EvaluationFailure.runtime("dictsort needs a mapping") }
            let pairs = dict.pairs.map { JinjaValue.tuple([.string($0.0), $0.1]) }
            return .list(try pairs.sorted { try ordering(caseFold($0), caseFold($1)) < 0 })
        case "sum":
            var items = try iterate(value)
            if let attributeName = arg(0, "attribute") { items = try items.map { try lookupPath(attributeName, in: $0) } }
            return try items.reduce(arg(1, "start") ?? .int(0)) { try binary("+", $0, $1) }
        case "min", "max":
            let items = try iterate(value)
            guard var best = items.first else { return .undefined("\(name) of an empty sequence") }
            for item in items.dropFirst() {
                let order = try ordering(caseFold(item), caseFold(best))
                if name == "min" ? order < 0 : order > 0 { best = item }
            }
            return best
        case "select", "reject", "selectattr", "rejectattr":
            return .list(try select(name, value, arguments))
        case "map":
            return .list(try map(value, arguments))
        case "batch":
            guard let size = arg(0, "linecount")?.integer, size > 0 else { throw EvaluationFailure.runtime("batch needs a positive size") }
            let items = try iterate(value)
            return .list(stride(from: 0, to: items.count, by: size).map { .list(Array(items[$0..<min($0 + size, items.count)])) })
        case "attr":
            guard let attributeName = arg(0, "name") else { throw EvaluationFailure.runtime("attr needs a name") }
            return try attribute(try pythonString(attributeName), of: value)
        default:
            throw EvaluationFailure.unsupported("the filter '\(name)'")
        }
    }

    func length(of value: JinjaValue) throws -> Int {
        switch value {
        case .string(let s): return s.unicodeScalars.count
        case .list(let items), .tuple(let items): return items.count
        case .dict(let dict): return dict.count
        case .undefined: return 0
        default: throw EvaluationFailure.runtime("object of type '\(value.typeName)' has no len()")
        }
    }

    private func optionalString(_ value: JinjaValue) throws -> String? {
        value.isNone ? nil : try pythonString(value)
    }

    /// `attribute="a.b"` of selectattr, map, join, sort: dotted path, integer parts index lists.
    func lookupPath(_ path: JinjaValue, in value: JinjaValue) throws -> JinjaValue {
        if let index = path.integer { return try item(.int(index), of: value) }
        var current = value
        for part in try pythonString(path).split(separator: ".", omittingEmptySubsequences: false) {
            current = try item(Int(part).map { .int($0) } ?? .string(String(part)), of: current)
        }
        return current
    }

    private func caseFold(_ value: JinjaValue) -> JinjaValue {
        switch value {
        case .string(let s): return .string(s.lowercased())
        case .list(let items): return .list(items.map(caseFold))
        case .tuple(let items): return .tuple(items.map(caseFold))
        default: return value
        }
    }

    private func sorted(_ items: [JinjaValue], _ arguments: CallArguments) throws -> [JinjaValue] {
        let reverse = arguments.value(0, "reverse")?.isTruthy ?? false
        let caseSensitive = arguments.value(1, "case_sensitive")?.isTruthy ?? false
        let attributeName = arguments.value(2, "attribute")
        let keys = try items.map { item -> JinjaValue in
            let key = try attributeName.map { try lookupPath($0, in: item) } ?? item
            return caseSensitive ? key : caseFold(key)
        }
        var order = Array(items.indices)
        var failure: Error?
        // A stable sort, as Python's.
        order = order.enumerated().sorted { a, b in
            do {
                let c = try ordering(keys[a.element], keys[b.element])
                if c != 0 { return reverse ? c > 0 : c < 0 }
            } catch { failure = error }
            return a.offset < b.offset
        }.map(\.element)
        if let failure { throw failure }
        return order.map { items[$0] }
    }

    private func select(_ name: String, _ value: JinjaValue, _ arguments: CallArguments) throws -> [JinjaValue] {
        let byAttribute = name.hasSuffix("attr")
        var positional = arguments.positional
        var path: JinjaValue? = nil
        if byAttribute {
            guard !positional.isEmpty else { throw EvaluationFailure.runtime("\(name) needs an attribute name") }
            path = positional.removeFirst()
        }
        let testName = positional.isEmpty ? nil : try pythonString(positional.removeFirst())
        let wanted = name.hasPrefix("select")
        // jinja2 walks the value only when it is truthy: `none | selectattr(...)` is empty.
        guard value.isTruthy else { return [] }
        return try iterate(value).filter { item in
            let subject = try path.map { try lookupPath($0, in: item) } ?? item
            let passed = try testName.map { try applyTest($0, to: subject, CallArguments(positional: positional)) } ?? subject.isTruthy
            return passed == wanted
        }
    }

    private func map(_ value: JinjaValue, _ arguments: CallArguments) throws -> [JinjaValue] {
        guard value.isTruthy else { return [] }
        let items = try iterate(value)
        if let path = arguments.keywords.first(where: { $0.0 == "attribute" })?.1 {
            let fallback = arguments.keywords.first(where: { $0.0 == "default" })?.1
            return try items.map { item in
                let found = try lookupPath(path, in: item)
                if found.isUndefined, let fallback { return fallback }
                return found
            }
        }
        guard let filterName = arguments.positional.first else { return items }
        let rest = CallArguments(positional: Array(arguments.positional.dropFirst()), keywords: arguments.keywords)
        return try items.map { try applyFilter(try pythonString(filterName), to: $0, rest) }
    }

    private func toJSON(_ value: JinjaValue, _ arguments: CallArguments) throws -> String {
        var json = PythonJSON()
        json.ensureASCII = arguments.value(0, "ensure_ascii")?.isTruthy ?? false
        if let indent = arguments.value(1, "indent"), !indent.isNone {
            if let n = indent.integer { json.indent = String(repeating: " ", count: max(0, n)) }
            else if case .string(let s) = indent { json.indent = s }
            json.itemSeparator = ","
        }
        if let separators = arguments.value(2, "separators"), !separators.isNone {
            let parts = try iterate(separators)
            guard parts.count == 2 else { throw EvaluationFailure.runtime("separators must be a pair") }
            json.itemSeparator = try pythonString(parts[0])
            json.keySeparator = try pythonString(parts[1])
        }
        json.sortKeys = arguments.value(3, "sort_keys")?.isTruthy ?? false
        let text = try json.dumps(value)
        try budget.checkSize(text.utf8.count, of: "tojson's output")
        return text
    }

    /// jinja2's `indent`: every line after the first (and the first with `first=True`) gets the
    /// prefix; empty lines only with `blank=True`.
    private func indent(_ text: String, _ arguments: CallArguments) throws -> String {
        let width = arguments.value(0, "width")
        let prefix: String
        if case .string(let s)? = width { prefix = s } else { prefix = String(repeating: " ", count: width?.integer ?? 4) }
        let first = arguments.value(1, "first")?.isTruthy ?? false
        let blank = arguments.value(2, "blank")?.isTruthy ?? false
        var lines = (text + "\n").components(separatedBy: "\n")
        lines.removeLast()
        var out: String
        if blank {
            out = lines.joined(separator: "\n" + prefix)
        } else {
            out = lines.removeFirst()
            if !lines.isEmpty { out += "\n" + lines.map { $0.isEmpty ? $0 : prefix + $0 }.joined(separator: "\n") }
        }
        return first ? prefix + out : out
    }
}
