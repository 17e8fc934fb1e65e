import Foundation

/// The names every template sees besides its variables: jinja2's `range`, `dict`, `namespace`,
/// `cycler`, `joiner`, and transformers' `raise_exception` and `strftime_now`.
enum Globals {
    static func value(named name: String) -> JinjaValue? {
        switch name {
        case "range": return .callable(range)
        case "dict": return .callable(dict)
        case "namespace": return .callable(namespace)
        case "raise_exception": return .callable(raiseException)
        case "strftime_now": return .callable(strftimeNow)
        case "joiner": return .callable(joiner)
        default: return nil
        }
    }

    /// jinja2's sandbox refuses ranges longer than 100 000 (MAX_RANGE).
    static let range = JinjaCallable(name: "range") { arguments, _ in
        let numbers = try arguments.positional.map { v -> Int in
            guard let i = v.integer else { throw EvaluationFailure.runtime("'\(v.typeName)' object cannot be interpreted as an integer") }
            return i
        }
        let (start, stop, step): (Int, Int, Int)
        switch numbers.count {
        case 1: (start, stop, step) = (0, numbers[0], 1)
        case 2: (start, stop, step) = (numbers[0], numbers[1], 1)
        case 3: (start, stop, step) = (numbers[0], numbers[1], numbers[2])
        default: throw EvaluationFailure.runtime("range expected 1 to 3 arguments")
        }
        guard step != 0 else { throw EvaluationFailure.runtime("range() arg 3 must not be zero") }
        let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
        guard count <= 100_000 else {
            throw EvaluationFailure.sandbox("range too big (\(count) items); the sandbox allows 100000")
        }
        return .list(stride(from: start, to: stop, by: step).map { .int($0) })
    }

    static let dict = JinjaCallable(name: "dict") { arguments, _ in
        var result = JinjaDict()
        if let first = arguments.positional.first, case .dict(let d) = first { result = d }
        for (key, value) in arguments.keywords { result[key] = value }
        return .dict(result)
    }

    static let namespace = JinjaCallable(name: "namespace") { arguments, _ in
        var attributes = JinjaDict()
        if let first = arguments.positional.first, case .dict(let d) = first { attributes = d }
        for (key, value) in arguments.keywords { attributes[key] = value }
        return .namespace(JinjaNamespace(attributes))
    }

    static let raiseException = JinjaCallable(name: "raise_exception") { arguments, renderer in
        let message = try arguments.positional.first.map { try renderer.pythonString($0) } ?? ""
        throw EvaluationFailure.runtime(message)
    }

    /// `strftime_now(format)`: the renderer's clock (pinned by `--template-date`), in UTC.
    static let strftimeNow = JinjaCallable(name: "strftime_now") { arguments, renderer in
        guard case .string(let format)? = arguments.positional.first else {
            throw EvaluationFailure.runtime("strftime_now needs a format string")
        }
        return .string(PythonDateFormat.format(renderer.now, format))
    }

    static let joiner = JinjaCallable(name: "joiner") { arguments, _ in
        let separator = arguments.positional.first ?? .string(", ")
        final class Used: @unchecked Sendable { var value = false }
        let used = Used()
        return .callable(JinjaCallable(name: "joiner") { _, _ in
            defer { used.value = true }
            return used.value ? separator : .string("")
        })
    }
}

/// Python's `datetime.strftime` for the directives chat templates use (C locale).
enum PythonDateFormat {
    static func format(_ date: Date, _ format: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out = ""
        var chars = Array(format)[...]
        while let ch = chars.popFirst() {
            guard ch == "%", let directive = chars.popFirst() else { out.append(ch); continue }
            var d = directive
            var pad = true
            if d == "-", let next = chars.popFirst() { d = next; pad = false }
            func number(_ n: Int) -> String { pad ? two(n) : String(n) }
            switch d {
            case "Y": out += String(c.year!)
            case "y": out += two(c.year! % 100)
            case "m": out += number(c.month!)
            case "d": out += number(c.day!)
            case "e": out += c.day! < 10 ? " \(c.day!)" : "\(c.day!)"
            case "H": out += number(c.hour!)
            case "I": out += number((c.hour! + 11) % 12 + 1)
            case "M": out += number(c.minute!)
            case "S": out += number(c.second!)
            case "p": out += c.hour! < 12 ? "AM" : "PM"
            case "B": out += months[c.month! - 1]
            case "b", "h": out += String(months[c.month! - 1].prefix(3))
            case "A": out += days[c.weekday! - 1]
            case "a": out += String(days[c.weekday! - 1].prefix(3))
            case "j": out += pad ? String(repeating: "0", count: 3 - String(dayOfYear).count) + String(dayOfYear) : String(dayOfYear)
            case "%": out += "%"
            default: out += "%" + (pad ? "" : "-") + String(d)
            }
        }
        return out
    }
}
