import Foundation
import Templates
import Testing
import TestSupport

/// One jinja2 behaviour per template (semantics.json, written by Tests/Interop/jinja_semantics_reference.py):
/// where jinja2 and the obvious reading differ, jinja2's answer is the expected one.
struct JinjaSemanticsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var template: String
        var expected: String?
        var error: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let data = try? Fixtures.data("templates/semantics.json"), case .list(let items)? = try? JinjaJSON.parse(data) else { return [] }
        return items.compactMap { item in
            guard case .dict(let d) = item, case .string(let name)? = d["name"], case .string(let template)? = d["template"] else { return nil }
            var c = Case(name: name, template: template)
            if case .string(let e)? = d["expected"] { c.expected = e }
            if case .string(let e)? = d["error"] { c.error = e }
            return c
        }
    }()

    @Test func theTableIsLoaded() { #expect(Self.cases.count >= 40) }

    @Test(arguments: cases.filter { $0.expected != nil })
    func rendersAsJinja2Does(_ c: Case) throws {
        let template = try JinjaTemplate(source: c.template, name: c.name)
        let text = try template.render(["messages": .list([]), "add_generation_prompt": .bool(false)], now: TemplateFixtures.pinnedDate).text
        #expect(text == c.expected)
    }

    @Test(arguments: cases.filter { $0.error != nil })
    func failsWhereJinja2Fails(_ c: Case) throws {
        let template = try JinjaTemplate(source: c.template, name: c.name)
        #expect(throws: TemplateError.self) { try template.render([:]) }
    }

    @Test func raiseExceptionCarriesTheTemplatesMessageAndLine() throws {
        let template = try JinjaTemplate(source: "line one\n{% if true %}\n{{ raise_exception('Roles must alternate') }}\n{% endif %}", name: "t.jinja")
        do {
            _ = try template.render([:])
            Issue.record("rendered")
        } catch let error as TemplateError {
            #expect(error.kind == .runtime)
            #expect(error.message == "Roles must alternate")
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("t.jinja:3:"))
        }
    }

    @Test func includeIsRefusedByName() {
        #expect {
            try JinjaTemplate(source: "{% include 'other.jinja' %}", name: "t.jinja")
        } throws: { error in
            guard let error = error as? TemplateError else { return false }
            return error.kind == .unsupported && error.description.contains("{% include %}")
        }
    }

    @Test func syntaxErrorsNameTheLine() {
        #expect {
            try JinjaTemplate(source: "ok\n{% for x in y %}\nno end", name: "t.jinja")
        } throws: { error in
            (error as? TemplateError)?.kind == .syntax
        }
        #expect(throws: TemplateError.self) { try JinjaTemplate(source: "{{ 1 + }}", name: "t.jinja") }
        #expect(throws: TemplateError.self) { try JinjaTemplate(source: "{{ 'unclosed }}", name: "t.jinja") }
    }

    /// Fuzz finding (gguf target, a model's chat template cut short): a number literal at the very end
    /// of the source read one scalar past it. Fuzz/corpus/template/number-at-end-of-source.jinja replays it.
    @Test(arguments: ["{{ 1", "{% endfor %2", "{{ 1_", "{{ 1.5", "{{ 2e", "{{ 0x1F"])
    func aNumberThatEndsTheSourceIsASyntaxError(_ source: String) {
        #expect(throws: TemplateError.self) { try JinjaTemplate(source: source, name: "t.jinja") }
    }

    @Test func generationBlocksRecordTheAssistantSpans() throws {
        let source = "{% for m in messages %}<{{ m.role }}>{% if m.role == 'assistant' %}{% generation %}{{ m.content }}</s>{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}"
        let messages = try JinjaJSON.parse(#"[{"role": "user", "content": "é?"}, {"role": "assistant", "content": "ok"}]"#)
        let rendering = try JinjaTemplate(source: source, name: "t").render(["messages": messages])
        #expect(rendering.text == "<user>é?<assistant>ok</s>")
        #expect(rendering.generationSpans.count == 1)
        let bytes = Array(rendering.text.utf8)
        let span = rendering.generationSpans[0]
        #expect(String(decoding: bytes[span], as: UTF8.self) == "ok</s>")
    }

    @Test func jsonReaderKeepsKeyOrderAndIntegers() throws {
        let value = try JinjaJSON.parse(#"{"z": 1, "a": 2.0, "m": [true, null, "\u00e9\ud83c\udf0d"]}"#)
        let text = try JinjaTemplate(source: "{{ v | tojson }}", name: "t").render(["v": value]).text
        #expect(text == #"{"z": 1, "a": 2.0, "m": [true, null, "é🌍"]}"#)
    }
}
