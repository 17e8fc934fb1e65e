import Foundation

/// Expression evaluation with jinja2's semantics: undefined names print as "" but fail when used
/// for arithmetic or attribute access, `/` is true division, `~` joins the `str()` of both sides,
/// `and`/`or` return an operand, and a missing key or index yields undefined instead of failing.
extension Renderer {
    func evaluate(_ expression: Expression, _ scope: Scope) throws -> JinjaValue {
        try budget.step()
        switch expression {
        case .literal(let value): return value
        case .name(let name):
            return scope.lookup(name) ?? Globals.value(named: name) ?? .undefined("'\(name)' is undefined")
        case .list(let items):
            return .list(try items.map { try evaluate($0, scope) })
        case .tuple(let items):
            return .tuple(try items.map { try evaluate($0, scope) })
        case .dict(let pairs):
            var dict = JinjaDict()
            for (keyExpression, valueExpression) in pairs {
                let key = try evaluate(keyExpression, scope)
                guard case .string(let k) = key else {
                    throw EvaluationFailure.unsupported("a dict literal with a non-string key")
                }
                dict[k] = try evaluate(valueExpression, scope)
            }
            return .dict(dict)
        case .attribute(let object, let name):
            return try attribute(name, of: try evaluate(object, scope))
        case .subscript(let object, .slice(_, let start, let stop, let step)):
            let value = try evaluate(object, scope)
            return try slice(value, start: try start.map { try evaluate($0, scope) },
                             stop: try stop.map { try evaluate($0, scope) }, step: try step.map { try evaluate($0, scope) })
        case .subscript(let object, let key):
            return try item(try evaluate(key, scope), of: try evaluate(object, scope))
        case .slice:
            throw EvaluationFailure.runtime("a slice outside brackets")
        case .call(let callee, let arguments):
            let evaluated = try evaluateArguments(arguments, scope)
            let function = try evaluate(callee, scope)
            guard case .callable(let callable) = function else {
                if case .undefined(let why) = function { throw EvaluationFailure.runtime(why) }
                throw EvaluationFailure.runtime("'\(function.typeName)' object is not callable")
            }
            return try callable.call(evaluated, self)
        case .filter(let input, let name, let arguments):
            return try applyFilter(name, to: try evaluate(input, scope), try evaluateArguments(arguments, scope))
        case .test(let input, let name, let arguments, let negated):
            let result = try applyTest(name, to: try evaluate(input, scope), try evaluateArguments(arguments, scope))
            return .bool(result != negated)
        case .negate(let operand):
            let value = try evaluate(operand, scope)
            switch value {
            case .int(let i): return .int(0 &- i)
            case .bool(let b): return .int(b ? -1 : 0)
            case .double(let d): return .double(-d)
            default: throw typeError("bad operand type for unary -", value)
            }
        case .plus(let operand):
            let value = try evaluate(operand, scope)
            guard value.number != nil else { throw typeError("bad operand type for unary +", value) }
            if case .bool(let b) = value { return .int(b ? 1 : 0) }
            return value
        case .not(let operand): return .bool(!(try evaluate(operand, scope).isTruthy))
        case .and(let left, let right):
            let l = try evaluate(left, scope)
            return l.isTruthy ? try evaluate(right, scope) : l
        case .or(let left, let right):
            let l = try evaluate(left, scope)
            return l.isTruthy ? l : try evaluate(right, scope)
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left, scope), try evaluate(right, scope))
        case .concat(let parts):
            var text = ""
            for part in parts {
                text += try pythonString(evaluate(part, scope))
                try budget.checkSize(text.utf8.count, of: "a string built with ~")
            }
            return .string(text)
        case .compare(let first, let operations):
            var left = try evaluate(first, scope)
            for (op, rightExpression) in operations {
                let right = try evaluate(rightExpression, scope)
                guard try compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope).isTruthy { return try evaluate(then, scope) }
            return try otherwise.map { try evaluate($0, scope) } ?? .undefined("the condition was false and there is no else")
        }
    }

    func evaluateArguments(_ arguments: Expression.Arguments, _ scope: Scope) throws -> CallArguments {
        CallArguments(positional: try arguments.positional.map { try evaluate($0, scope) },
                      keywords: try arguments.keywords.map { ($0.0, try evaluate($0.1, scope)) })
    }

    func typeError(_ message: String, _ values: JinjaValue...) -> EvaluationFailure {
        if let undefined = values.first(where: { $0.isUndefined }), case .undefined(let why) = undefined {
            return .runtime(why)
        }
        return .runtime("\(message): " + values.map { "'\($0.typeName)'" }.joined(separator: " and "))
    }

    /// `obj.name`: a method of a str, dict or list, a dict's key, a namespace's or loop's attribute.
    /// Names starting with `_` are never looked up: that is how templates escape sandboxes.
    func attribute(_ name: String, of value: JinjaValue) throws -> JinjaValue {
        if name.hasPrefix("_") {
            throw EvaluationFailure.sandbox("access to attribute '\(name)' of a '\(value.typeName)' object is not allowed")
        }
        switch value {
        case .undefined(let why): throw EvaluationFailure.runtime(why)
        case .dict(let dict):
            if let method = Methods.bound(name, to: value) { return method }
            return dict[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined("'Namespace' object has no attribute '\(name)'")
        case .loop(let state): return try loopAttribute(name, state)
        default:
            return Methods.bound(name, to: value) ?? .undefined("'\(value.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `obj[key]`: Python indexing (negative from the end); a missing key or index is undefined.
    func item(_ key: JinjaValue, of value: JinjaValue) throws -> JinjaValue {
        switch (value, key) {
        case (.undefined(let why), _): throw EvaluationFailure.runtime(why)
        case (.list(let items), _), (.tuple(let items), _):
            guard let i = key.integer else { break }
            let index = i < 0 ? items.count + i : i
            return items.indices.contains(index) ? items[index] : .undefined("list object has no element \(i)")
        case (.string(let text), _):
            guard let i = key.integer else { break }
            let scalars = Array(text.unicodeScalars)
            let index = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(index) ? .string(String(scalars[index])) : .undefined("str object has no element \(i)")
        case (.dict(let dict), .string(let k)):
            if let found = dict[k] { return found }
        default: break
        }
        if case .string(let name) = key { return try attribute(name, of: value) }
        return .undefined("'\(value.typeName) object' has no element \(pythonRepr(key))")
    }

    func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !v.isNone else { return nil }
            guard let i = v.integer else { throw EvaluationFailure.runtime("slice indices must be integers or None") }
            return i
        }
        let step = try bound(step) ?? 1
        guard step != 0 else { throw EvaluationFailure.runtime("slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ defaultValue: Int) -> Int {
                guard var i else { return defaultValue }
                if i < 0 { i += count }
                return step > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let lo = clamp(try bound(start), step > 0 ? 0 : count - 1)
            let hi = clamp(try bound(stop), step > 0 ? count : -1)
            return Array(stride(from: lo, to: hi, by: step))
        }
        switch value {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .tuple(let items): return .tuple(try indices(items.count).map { items[$0] })
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var view = String.UnicodeScalarView()
            for i in try indices(scalars.count) { view.append(scalars[i]) }
            return .string(String(view))
        case .undefined(let why): throw EvaluationFailure.runtime(why)
        default: throw EvaluationFailure.runtime("'\(value.typeName)' object is not subscriptable")
        }
    }

    private func loopAttribute(_ name: String, _ state: LoopState) throws -> JinjaValue {
        let count = state.items.count, i = state.index0
        switch name {
        case "index": return .int(i + 1)
        case "index0": return .int(i)
        case "revindex": return .int(count - i)
        case "revindex0": return .int(count - i - 1)
        case "first": return .bool(i == 0)
        case "last": return .bool(i == count - 1)
        case "length": return .int(count)
        case "depth": return .int(state.depth0 + 1)
        case "depth0": return .int(state.depth0)
        case "previtem": return i > 0 ? state.items[i - 1] : .undefined("there is no previous item")
        case "nextitem": return i + 1 < count ? state.items[i + 1] : .undefined("there is no next item")
        case "cycle":
            return .callable(JinjaCallable(name: "loop.cycle") { arguments, _ in
                guard !arguments.positional.isEmpty else { throw EvaluationFailure.runtime("no items for cycling given") }
                return arguments.positional[i % arguments.positional.count]
            })
        case "changed":
            return .callable(JinjaCallable(name: "loop.changed") { arguments, _ in
                let values = arguments.positional
                defer { state.lastChanged = values }
                guard let last = state.lastChanged else { return .bool(true) }
                return .bool(!JinjaValue.list(last).pythonEquals(.list(values)))
            })
        default: return .undefined("'LoopContext' object has no attribute '\(name)'")
        }
    }

    /// What `for` walks over: a list's items, a dict's keys, a string's characters; undefined is empty.
    func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case .list(let items), .tuple(let items): return items
        case .dict(let dict): return dict.keys.map { .string($0) }
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw EvaluationFailure.runtime("'\(value.typeName)' object is not iterable")
        }
    }
}
