import Foundation

/// Python's arithmetic and comparison operators as jinja2 applies them.
extension Renderer {
    func binary(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws -> JinjaValue {
        switch (op, left, right) {
        case ("+", .string(let a), .string(let b)):
            try budget.checkSize(a.utf8.count + b.utf8.count, of: "a string built with +")
            return .string(a + b)
        case ("+", .list(let a), .list(let b)):
            try budget.checkSize((a.count + b.count) * 8, of: "a list built with +")
            return .list(a + b)
        case ("+", .tuple(let a), .tuple(let b)):
            try budget.checkSize((a.count + b.count) * 8, of: "a tuple built with +")
            return .tuple(a + b)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard let n = (left.integer != nil ? left : right).integer, !(left.isString && right.isString) else {
                throw typeError("can't multiply sequence by non-int", left, right)
            }
            try budget.checkSize(max(0, n).multipliedReportingOverflow(by: s.utf8.count).overflow ? .max : max(0, n) * s.utf8.count,
                                 of: "a string built with *")
            return .string(n > 0 ? String(repeating: s, count: n) : "")
        case ("*", .list(let items), _), ("*", _, .list(let items)):
            guard let n = (left.integer != nil ? left : right).integer else {
                throw typeError("can't multiply sequence by non-int", left, right)
            }
            try budget.checkSize(max(0, n).multipliedReportingOverflow(by: items.count * 8).overflow ? .max : max(0, n) * items.count * 8,
                                 of: "a list built with *")
            return .list(n > 0 ? Array([[JinjaValue]](repeating: items, count: n).joined()) : [])
        default: break
        }
        if let a = left.integer, let b = right.integer {
            switch op {
            case "+": return try checked(a.addingReportingOverflow(b))
            case "-": return try checked(a.subtractingReportingOverflow(b))
            case "*": return try checked(a.multipliedReportingOverflow(by: b))
            case "/":
                guard b != 0 else { throw EvaluationFailure.runtime("division by zero") }
                return .double(Double(a) / Double(b))
            case "//":
                guard b != 0 else { throw EvaluationFailure.runtime("integer division or modulo by zero") }
                let q = a / b
                return .int((a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q)
            case "%":
                guard b != 0 else { throw EvaluationFailure.runtime("integer division or modulo by zero") }
                let r = a % b
                return .int(r != 0 && ((r < 0) != (b < 0)) ? r + b : r)
            case "**":
                guard b >= 0 else { return .double(pow(Double(a), Double(b))) }
                var result = 1
                for _ in 0..<min(b, 64) {
                    let (value, overflow) = result.multipliedReportingOverflow(by: a)
                    if overflow { throw EvaluationFailure.unsupported("integers beyond 64 bits") }
                    result = value
                }
                if b > 64, abs(a) > 1 { throw EvaluationFailure.unsupported("integers beyond 64 bits") }
                if b > 64, a == -1 { return .int(b % 2 == 0 ? 1 : -1) }
                return .int(result)
            default: break
            }
        }
        if let a = left.number, let b = right.number {
            switch op {
            case "+": return .double(a + b)
            case "-": return .double(a - b)
            case "*": return .double(a * b)
            case "/":
                guard b != 0 else { throw EvaluationFailure.runtime("float division by zero") }
                return .double(a / b)
            case "//":
                guard b != 0 else { throw EvaluationFailure.runtime("float divmod()") }
                return .double((a / b).rounded(.down))
            case "%":
                guard b != 0 else { throw EvaluationFailure.runtime("float modulo") }
                let r = fmod(a, b)
                return .double(r != 0 && ((r < 0) != (b < 0)) ? r + b : r)
            case "**": return .double(pow(a, b))
            default: break
            }
        }
        throw typeError("unsupported operand type(s) for \(op)", left, right)
    }

    private func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
        if result.overflow { throw EvaluationFailure.unsupported("integers beyond 64 bits") }
        return .int(result.partialValue)
    }

    func compare(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws -> Bool {
        switch op {
        case "==": return left.pythonEquals(right)
        case "!=": return !left.pythonEquals(right)
        case "in": return try contains(right, left)
        case "not in": return !(try contains(right, left))
        default:
            let order = try ordering(left, right)
            switch op {
            case "<": return order < 0
            case "<=": return order <= 0
            case ">": return order > 0
            default: return order >= 0
            }
        }
    }

    /// Python's `<` between numbers, strings (by code point) or lists (element-wise).
    func ordering(_ left: JinjaValue, _ right: JinjaValue) throws -> Int {
        switch (left, right) {
        case (.string(let a), .string(let b)):
            for (x, y) in zip(a.unicodeScalars, b.unicodeScalars) where x != y { return x.value < y.value ? -1 : 1 }
            let (m, n) = (a.unicodeScalars.count, b.unicodeScalars.count)
            return m == n ? 0 : (m < n ? -1 : 1)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) { return try ordering(x, y) }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        default:
            if let a = left.integer, let b = right.integer { return a == b ? 0 : (a < b ? -1 : 1) }
            if let a = left.number, let b = right.number { return a == b ? 0 : (a < b ? -1 : 1) }
            throw typeError("'<' not supported between instances", left, right)
        }
    }

    /// `needle in haystack`: substring, list membership or dict key.
    func contains(_ haystack: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch haystack {
        case .string(let text):
            guard case .string(let part) = needle else {
                throw typeError("'in <string>' requires string as left operand", needle)
            }
            return Array(text.unicodeScalars).containsSubsequence(Array(part.unicodeScalars))
        case .list(let items), .tuple(let items): return items.contains { $0.pythonEquals(needle) }
        case .dict(let dict):
            guard case .string(let key) = needle else { return false }
            return dict[key] != nil
        case .undefined: return false
        default: throw typeError("argument of this type is not iterable", haystack)
        }
    }
}

extension JinjaValue {
    var isString: Bool { if case .string = self { return true } else { return false } }
}

extension Array where Element == Unicode.Scalar {
    func containsSubsequence(_ part: [Unicode.Scalar]) -> Bool { firstRange(of: part) != nil }
    func firstRange(of part: [Unicode.Scalar], from start: Int = 0) -> Range<Int>? {
        guard !part.isEmpty else { return start..<start }
        guard count >= part.count else { return nil }
        var i = start
        while i + part.count <= count {
            if self[i] == part[0] {
                var match = true
                for j in 1..<part.count where self[i + j] != part[j] { match = false; break }
                if match { return i..<(i + part.count) }
            }
            i += 1
        }
        return nil
    }
}
