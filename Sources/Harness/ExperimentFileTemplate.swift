import Foundation

/// `template_file:`, `template_vars:` and `template_date:` beside `template:` (in `training:` and in
/// an eval set's `decoding:`): the same choices as `--template-file`, `--template-var` and
/// `--template-date`.
///
///     decoding:
///       template_vars: {enable_thinking: false}
///       template_date: 2026-12-01
struct TemplateKeys {
    static let names = ["template_file", "template_vars", "template_date"]

    var file: String?
    var variables: [String: String] = [:]
    var date: String?

    init(_ map: YAMLMapping) throws {
        file = try map.string("template_file")
        if let vars = try map.mapping("template_vars") {
            for key in vars.order {
                let value = YAMLValue(node: vars.node(key)!, file: map.file, path: vars.child(key))
                guard case .scalar(let scalar)? = vars.node(key) else { throw value.wrongType("a scalar (true, 3, text)") }
                guard key.first.map({ $0.isLetter || $0 == "_" }) == true, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw value.invalid("is not a Jinja variable name; use letters, digits and _")
                }
                variables[key] = scalar.string
            }
        }
        // YAML reads an unquoted 2026-12-01 as a timestamp: take the scalar's text whatever its tag.
        if case .scalar(let scalar)? = map.node("template_date") {
            let date = scalar.string
            let parts = date.split(separator: "-")
            guard parts.count == 3, parts.allSatisfy({ Int($0) != nil }) else {
                throw map.error("template_date", .invalidValue("is '\(date)'; write the date as YYYY-MM-DD, e.g. 2026-12-01"))
            }
            self.date = date
        } else if map.has("template_date") {
            throw map.error("template_date", .invalidValue("is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01"))
        }
    }
}
