import Foundation

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
