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
