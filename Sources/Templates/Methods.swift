import Foundation

/// The methods of Python's str, dict and list that templates call (`content.strip()`,
/// `message.get('x')`, `text.split('\n')`). The sandbox is jinja2's ImmutableSandboxedEnvironment:
/// methods that change a list or dict (`append`, `pop`, `update`, …) are refused.
enum Methods {
    static let mutating: Set<String> = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear",
                                        "popitem", "setdefault", "update", "add", "discard"]

    /// `receiver.name` as a callable, or nil when the receiver has no such method.
    static func bound(_ name: String, to receiver: JinjaValue) -> JinjaValue? {
        let known: Bool
        switch receiver {
        case .string: known = stringMethods.contains(name)
        case .dict: known = ["items", "keys", "values", "get", "copy"].contains(name) || mutating.contains(name)
        case .list: known = ["index", "count", "copy"].contains(name) || mutating.contains(name)
        case .tuple: known = ["index", "count"].contains(name)
        default: known = false
        }
        guard known else { return nil }
        return .callable(JinjaCallable(name: "\(receiver.typeName).\(name)") { arguments, renderer in
            if mutating.contains(name) {
                throw EvaluationFailure.sandbox("calling \(receiver.typeName).\(name) is not allowed: templates may not change values")
            }
            return try renderer.callMethod(name, on: receiver, arguments)
        })
    }

    static let stringMethods: Set<String> = ["strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
                                             "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "index",
                                             "count", "join", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
                                             "format", "zfill", "casefold", "swapcase"]
}

extension Renderer {
    func callMethod(_ name: String, on receiver: JinjaValue, _ arguments: CallArguments) throws -> JinjaValue {
        let arg = arguments.value
        switch receiver {
        case .dict(let dict):
            switch name {
            case "items": return .list(dict.pairs.map { .tuple([.string($0.0), $0.1]) })
            case "keys": return .list(dict.keys.map { .string($0) })
            case "values": return .list(dict.values)
            case "get":
                guard case .string(let key)? = arg(0, "key") else { return arg(1, "default") ?? .none }
                return dict[key] ?? arg(1, "default") ?? .none
            default: return receiver
            }
        case .list(let items), .tuple(let items):
            switch name {
            case "count": return .int(items.filter { $0.pythonEquals(arg(0, "value") ?? .none) }.count)
            case "index":
                guard let i = items.firstIndex(where: { $0.pythonEquals(arg(0, "value") ?? .none) }) else {
                    throw EvaluationFailure.runtime("value is not in list")
                }
                return .int(i)
            default: return receiver
            }
        case .string(let s):
            return try stringMethod(name, s, arguments)
        default:
            throw EvaluationFailure.runtime("'\(receiver.typeName)' object has no attribute '\(name)'")
        }
    }

    private func stringMethod(_ name: String, _ s: String, _ arguments: CallArguments) throws -> JinjaValue {
        let arg = arguments.value
        func text(_ i: Int, _ key: String) throws -> String? {
            guard let v = arg(i, key), !v.isNone else { return nil }
            guard case .string(let t) = v else { throw typeError("\(name) needs a string argument", v) }
            return t
        }
        switch name {
        case "strip": return .string(s.pythonStrip(chars: try text(0, "chars"), leading: true, trailing: true))
        case "lstrip": return .string(s.pythonStrip(chars: try text(0, "chars"), leading: true, trailing: false))
        case "rstrip": return .string(s.pythonStrip(chars: try text(0, "chars"), leading: false, trailing: true))
        case "split", "rsplit":
            let parts = try s.pythonSplit(try text(0, "sep"), maxSplit: arg(1, "maxsplit")?.integer ?? -1, fromRight: name == "rsplit")
            return .list(parts.map { .string($0) })
        case "splitlines":
            var lines = s.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            return .list(lines.map { .string($0) })
        case "startswith", "endswith":
            guard let v = arg(0, "prefix") else { throw EvaluationFailure.runtime("\(name) needs an argument") }
            let candidates: [JinjaValue] = (try? iterate(v)).flatMap { v.isString ? nil : $0 } ?? [v]
            let scalars = Array(s.unicodeScalars)
            for candidate in candidates {
                guard case .string(let c) = candidate else { throw typeError("\(name) needs str or a tuple of str", candidate) }
                let part = Array(c.unicodeScalars)
                if part.count <= scalars.count,
                   name == "startswith" ? Array(scalars.prefix(part.count)) == part : Array(scalars.suffix(part.count)) == part {
                    return .bool(true)
                }
            }
            return .bool(false)
        case "upper": return .string(s.uppercased())
        case "lower", "casefold": return .string(s.lowercased())
        case "swapcase":
            return .string(String(s.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
        case "title": return .string(s.pythonTitle())
        case "capitalize": return .string(s.pythonCapitalize())
        case "replace":
            guard let old = try text(0, "old"), let new = try text(1, "new") else { throw EvaluationFailure.runtime("replace needs two strings") }
            let result = s.pythonReplace(old, new, count: arg(2, "count")?.integer ?? -1)
            try budget.checkSize(result.utf8.count, of: "a string built with replace")
            return .string(result)
        case "find", "rfind", "index":
            guard let part = try text(0, "sub") else { throw EvaluationFailure.runtime("\(name) needs a string") }
            let scalars = Array(s.unicodeScalars), needle = Array(part.unicodeScalars)
            var found: Int? = nil
            if name == "rfind" {
                var i = scalars.count - needle.count
                while i >= 0 { if Array(scalars[i..<(i + needle.count)]) == needle { found = i; break }; i -= 1 }
            } else {
                found = scalars.firstRange(of: needle)?.lowerBound
            }
            if found == nil && name == "index" { throw EvaluationFailure.runtime("substring not found") }
            return .int(found ?? -1)
        case "count":
            guard let part = try text(0, "x"), !part.isEmpty else { return .int(s.unicodeScalars.count + 1) }
            return .int(s.components(separatedBy: part).count - 1)
        case "join":
            let items = try iterate(arg(0, "iterable") ?? .list([]))
            let strings = try items.map { item -> String in
                guard case .string(let t) = item else { throw typeError("sequence item: expected str instance", item) }
                return t
            }
            let result = strings.joined(separator: s)
            try budget.checkSize(result.utf8.count, of: "a string built with join")
            return .string(result)
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.isPythonWhitespace })
        case "isupper": return .bool(s.contains { $0.isCased } && s == s.uppercased())
        case "islower": return .bool(s.contains { $0.isCased } && s == s.lowercased())
        case "format": return .string(try pythonFormat(s, arguments))
        case "zfill":
            let width = arg(0, "width")?.integer ?? 0
            let pad = max(0, width - s.unicodeScalars.count)
            if let f = s.first, f == "-" || f == "+" { return .string(String(f) + String(repeating: "0", count: pad) + s.dropFirst()) }
            return .string(String(repeating: "0", count: pad) + s)
        default:
            throw EvaluationFailure.unsupported("the string method '\(name)'")
        }
    }
}

extension Renderer {
    /// `str.format` with plain fields only: `{}`, `{0}`, `{name}`, `{{`/`}}`; a format spec or
    /// conversion (`{:>8}`, `{!r}`) is refused rather than guessed.
    func pythonFormat(_ format: String, _ arguments: CallArguments) throws -> String {
        var out = ""
        var automatic = 0
        var chars = Array(format)[...]
        while let c = chars.popFirst() {
            if c == "}" {
                guard chars.first == "}" else { throw EvaluationFailure.runtime("Single '}' encountered in format string") }
                chars.removeFirst()
                out.append("}")
                continue
            }
            guard c == "{" else { out.append(c); continue }
            if chars.first == "{" { chars.removeFirst(); out.append("{"); continue }
            var field = ""
            while let f = chars.popFirst(), f != "}" { field.append(f) }
            if field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[") {
                throw EvaluationFailure.unsupported("a str.format field with a spec or conversion ({\(field)})")
            }
            let value: JinjaValue?
            if field.isEmpty {
                value = automatic < arguments.positional.count ? arguments.positional[automatic] : nil
                automatic += 1
            } else if let index = Int(field) {
                value = index < arguments.positional.count ? arguments.positional[index] : nil
            } else {
                value = arguments.keywords.first { $0.0 == field }?.1
            }
            guard let value else { throw EvaluationFailure.runtime("Replacement index \(field) out of range for positional args tuple") }
            out += try pythonString(value)
        }
        try budget.checkSize(out.utf8.count, of: "a string built with format")
        return out
    }
}

extension String {
    /// `str.strip(chars)`: whitespace (Python's definition) or the given characters.
    func pythonStrip(chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func strip(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? c.isPythonWhitespace }
        var scalars = Array(unicodeScalars)[...]
        if leading { while let f = scalars.first, strip(f) { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, strip(l) { scalars.removeLast() } }
        return String(scalars: scalars)
    }

    /// `str.split(sep, maxsplit)`: no separator splits on runs of whitespace and drops empty parts.
    func pythonSplit(_ separator: String?, maxSplit: Int, fromRight: Bool) throws -> [String] {
        let scalars = Array(unicodeScalars)
        guard let separator else {
            var words: [[Unicode.Scalar]] = []
            var current: [Unicode.Scalar] = []
            var inWord = false
            let ordered = fromRight ? Array(scalars.reversed()) : scalars
            var i = 0
            while i < ordered.count {
                let c = ordered[i]
                if c.isPythonWhitespace {
                    if inWord { words.append(current); current = []; inWord = false }
                    if maxSplit >= 0 && words.count == maxSplit {
                        while i < ordered.count, ordered[i].isPythonWhitespace { i += 1 }
                        if i < ordered.count { words.append(Array(ordered[i...])) }
                        current = []
                        break
                    }
                } else { current.append(c); inWord = true }
                i += 1
            }
            if inWord { words.append(current) }
            let result = words.map { String(scalars: (fromRight ? Array($0.reversed()) : $0)[...]) }
            return fromRight ? result.reversed() : result
        }
        guard !separator.isEmpty else { throw EvaluationFailure.runtime("empty separator") }
        let sep = Array(separator.unicodeScalars)
        var parts: [String] = []
        if fromRight {
            var end = scalars.count
            var i = scalars.count - sep.count
            while i >= 0 && (maxSplit < 0 || parts.count < maxSplit) {
                if Array(scalars[i..<(i + sep.count)]) == sep {
                    parts.append(String(scalars: scalars[(i + sep.count)..<end]))
                    end = i
                    i -= sep.count
                } else { i -= 1 }
            }
            parts.append(String(scalars: scalars[0..<end]))
            return parts.reversed()
        }
        var start = 0
        while maxSplit < 0 || parts.count < maxSplit, let range = scalars.firstRange(of: sep, from: start) {
            parts.append(String(scalars: scalars[start..<range.lowerBound]))
            start = range.upperBound
        }
        parts.append(String(scalars: scalars[start...]))
        return parts
    }

    func pythonReplace(_ old: String, _ new: String, count: Int) -> String {
        let scalars = Array(unicodeScalars), oldScalars = Array(old.unicodeScalars)
        var out = String.UnicodeScalarView()
        var start = 0, replaced = 0
        if oldScalars.isEmpty {
            // Python inserts `new` between every character (and at both ends).
            for (i, c) in scalars.enumerated() {
                if count < 0 || i < count { out.append(contentsOf: new.unicodeScalars) }
                out.append(c)
            }
            if count < 0 || scalars.count < count { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        while count < 0 || replaced < count, let range = scalars.firstRange(of: oldScalars, from: start) {
            out.append(contentsOf: scalars[start..<range.lowerBound])
            out.append(contentsOf: new.unicodeScalars)
            start = range.upperBound
            replaced += 1
        }
        out.append(contentsOf: scalars[start...])
        return String(out)
    }

    func pythonCapitalize() -> String {
        guard let first = first else { return self }
        return first.uppercased() + dropFirst().lowercased()
    }

    /// `str.title()`: a letter after a non-letter is upper-cased, the others lower-cased.
    func pythonTitle() -> String {
        var out = ""
        var previousCased = false
        for c in self {
            out += previousCased ? c.lowercased() : c.uppercased()
            previousCased = c.isCased
        }
        return out
    }
}
