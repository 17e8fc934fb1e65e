import Foundation

/// jinja2's tests (`x is defined`, `x is string`, `x is equalto y`, …).
extension Renderer {
    func applyTest(_ name: String, to value: JinjaValue, _ arguments: CallArguments) throws -> Bool {
        let other = arguments.value(0, "other") ?? .undefined("no argument")
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.number != nil
        case "string": return value.isString
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .list, .tuple, .dict: return true
            default: return false
            }
        case "callable":
            if case .callable = value { return true } else { return false }
        case "sameas":
            switch (value, other) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            default: return false
            }
        case "eq", "equalto", "==": return value.pythonEquals(other)
        case "ne", "!=": return !value.pythonEquals(other)
        case "lt", "lessthan", "<": return try ordering(value, other) < 0
        case "le", "<=": return try ordering(value, other) <= 0
        case "gt", "greaterthan", ">": return try ordering(value, other) > 0
        case "ge", ">=": return try ordering(value, other) >= 0
        case "in": return try contains(other, value)
        case "divisibleby":
            guard let a = value.integer, let b = other.integer, b != 0 else { throw typeError("divisibleby needs integers", value, other) }
            return a % b == 0
        case "even":
            guard let a = value.integer else { throw typeError("even needs an integer", value) }
            return a % 2 == 0
        case "odd":
            guard let a = value.integer else { throw typeError("odd needs an integer", value) }
            return a % 2 != 0
        case "lower":
            let s = try pythonString(value)
            return s == s.lowercased() && s != s.uppercased()
        case "upper":
            let s = try pythonString(value)
            return s == s.uppercased() && s != s.lowercased()
        case "escaped": return false
        case "filter", "test":
            return ["default", "length", "trim", "tojson", "string", "lower", "upper"].contains(try pythonString(value))
        default:
            throw EvaluationFailure.unsupported("the test '\(name)'")
        }
    }
}
