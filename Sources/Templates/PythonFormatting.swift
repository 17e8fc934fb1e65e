import Foundation

/// How Python writes values: `str()` (what `{{ }}` prints), `repr()` (inside printed lists and
/// dicts) and `json.dumps` (transformers' `tojson`: ensure_ascii=False unless asked).
extension Renderer {
    /// `str(value)`: what `{{ value }}`, `~` and `|string` produce.
    func pythonString(_ value: JinjaValue) throws -> String {
        switch value {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr(value)
        }
    }
}

func pythonRepr(_ value: JinjaValue) -> String {
    switch value {
    case .undefined: return ""
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .double(let d): return pythonFloat(d)
    case .string(let s): return pythonStringRepr(s)
    case .list(let items): return "[" + items.map(pythonRepr).joined(separator: ", ") + "]"
    case .tuple(let items):
        return "(" + items.map(pythonRepr).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    case .dict(let dict):
        return "{" + dict.pairs.map { pythonStringRepr($0.0) + ": " + pythonRepr($0.1) }.joined(separator: ", ") + "}"
    case .namespace(let ns):
        return "<Namespace " + pythonRepr(.dict(ns.attributes)) + ">"
    case .callable(let c): return "<function \(c.name)>"
    case .loop: return "<LoopContext>"
    }
}

/// `repr(float)`: the shortest digits that round-trip, fixed notation for exponents -4…15.
func pythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description has the same shortest digits; only the layout differs.
    var text = "\(abs(d))"
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...])!
        text = String(text[..<e])
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let whole = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
    var digits = whole + fraction
    var pointPosition = whole.count + exponent  // digits[0..<pointPosition] is the integer part
    while digits.hasPrefix("0"), digits.count > 1 { digits.removeFirst(); pointPosition -= 1 }
    while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
    let decimalExponent = pointPosition - 1
    var out = d < 0 ? "-" : ""
    if decimalExponent < -4 || decimalExponent >= 16 {
        out += String(digits.prefix(1))
        if digits.count > 1 { out += "." + digits.dropFirst() }
        out += "e" + (decimalExponent < 0 ? "-" : "+") + (abs(decimalExponent) < 10 ? "0" : "") + String(abs(decimalExponent))
    } else if pointPosition <= 0 {
        out += "0." + String(repeating: "0", count: -pointPosition) + digits
    } else if pointPosition >= digits.count {
        out += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
    } else {
        out += digits.prefix(pointPosition) + "." + digits.dropFirst(pointPosition)
    }
    return out
}

/// `repr(str)`: single quotes unless the text has a ' and no ", escapes for the unprintable.
func pythonStringRepr(_ s: String) -> String {
    let quote: Unicode.Scalar = s.unicodeScalars.contains("'") && !s.unicodeScalars.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case quote: out += "\\" + String(quote)
        default:
            if c.isPythonPrintable {
                out.unicodeScalars.append(c)
            } else if c.value < 0x100 {
                out += "\\x" + hex(c.value, 2)
            } else if c.value < 0x10000 {
                out += "\\u" + hex(c.value, 4)
            } else {
                out += "\\U" + hex(c.value, 8)
            }
        }
    }
    return out + String(quote)
}

private func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

extension Unicode.Scalar {
    /// Python's `str.isprintable()` for one character: not a control, format, surrogate, private,
    /// unassigned or separator character, except the plain space.
    var isPythonPrintable: Bool {
        if self == " " { return true }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default: return true
        }
    }
}

/// `json.dumps(value, ensure_ascii=…, indent=…, separators=…, sort_keys=…)` as Python writes it.
struct PythonJSON {
    var ensureASCII = false
    var indent: String? = nil
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    func dumps(_ value: JinjaValue, level: Int = 0) throws -> String {
        switch value {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return pythonFloat(d)
        case .string(let s): return quoted(s)
        case .list(let items), .tuple(let items):
            if items.isEmpty { return "[]" }
            return try container("[", "]", items.map { try dumps($0, level: level + 1) }, level: level)
        case .dict(let dict):
            if dict.isEmpty { return "{}" }
            var pairs = dict.pairs
            if sortKeys { pairs.sort { Array($0.0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.0.unicodeScalars.map(\.value)) } }
            return try container("{", "}", pairs.map { quoted($0.0) + keySeparator + (try dumps($0.1, level: level + 1)) }, level: level)
        case .undefined:
            throw EvaluationFailure.runtime("Object of type Undefined is not JSON serializable")
        default:
            throw EvaluationFailure.runtime("Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func container(_ open: String, _ close: String, _ parts: [String], level: Int) throws -> String {
        guard let indent else { return open + parts.joined(separator: itemSeparator) + close }
        let inner = "\n" + String(repeating: indent, count: level + 1)
        return open + inner + parts.joined(separator: itemSeparator + inner) + "\n" + String(repeating: indent, count: level) + close
    }

    func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 || (ensureASCII && c.value > 0x7F) {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        out += "\\u" + hex(0xD800 + (v >> 10), 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), 4)
                    } else {
                        out += "\\u" + hex(c.value, 4)
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}
