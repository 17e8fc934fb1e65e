import Foundation
import Templates
import Testing

/// A template is code from a downloaded file: hostile or broken ones must stop with a sandbox
/// error, quickly, never hang or crash the process.
struct SandboxTests {
    static let hostile: [(String, String)] = [
        ("endless loop", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
        ("exponential output", "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"),
        ("exponential output by multiplication", "{{ 'x' * 1000000000000 }}"),
        ("output flood", "{% for a in range(100000) %}{% for b in range(100000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}"),
        ("deep recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
        ("exponential recursion", "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"),
        ("attribute probing", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("attribute probing on messages", "{{ messages.__class__ }}"),
        ("attribute probing through a filter", "{{ messages | map(attribute='__class__') | list }}"),
        ("range beyond the sandbox", "{% for i in range(1000000000) %}{% endfor %}"),
        ("deeply nested expression", String(repeating: "{{ ", count: 1) + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"),
        ("deeply nested blocks", String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)),
    ]

    @Test(arguments: hostile.map(\.0))
    func hostileTemplateStopsWithASandboxErrorWithinASecond(_ name: String) throws {
        let source = Self.hostile.first { $0.0 == name }!.1
        let start = Date()
        do {
            let template = try JinjaTemplate(source: source, name: "\(name).jinja")
            _ = try template.render(["messages": try JinjaJSON.parse(#"[{"role": "user", "content": "hi"}]"#)])
            Issue.record("\(name) rendered")
        } catch let error as TemplateError {
            #expect(error.kind == .sandbox, "\(error)")
            #expect(error.description.contains("\(name).jinja"))
        }
        #expect(Date().timeIntervalSince(start) < 1.0)
    }

    @Test func limitsAreConfigurable() throws {
        let template = try JinjaTemplate(source: "{% for i in range(20) %}x{% endfor %}", name: "t")
        #expect(try template.render([:]).text.count == 20)
        var limits = SandboxLimits.standard
        limits.maximumLoopIterations = 10
        #expect(throws: TemplateError.self) { try template.render([:], limits: limits) }
        limits = .standard
        limits.maximumOutputBytes = 10
        #expect(throws: TemplateError.self) { try template.render([:], limits: limits) }
    }

    @Test func templatesSeeOnlyTheVariablesPassedIn() throws {
        let template = try JinjaTemplate(source: "[{{ environ }}{{ os }}{{ self }}{{ config }}{{ request }}]", name: "t")
        #expect(try template.render([:]).text == "[]")
    }
}
