import Foundation
import Templates
import TestSupport

/// The committed jinja2 renderings (Tests/Interop/jinja_reference.py) and the conversations they
/// were made from, read once.
enum TemplateFixtures {
    static let directory = Fixtures.url("templates")
    /// The date `strftime_now` was pinned to when the fixtures were made.
    static let pinnedDate = ISO8601DateFormatter().date(from: "2026-12-01T09:30:00Z")!

    static let conversations: [String: JinjaValue] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("conversations.json")),
              case .list(let items)? = try? JinjaJSON.parse(data) else { return [:] }
        var byName: [String: JinjaValue] = [:]
        for item in items {
            if case .dict(let d) = item, case .string(let name)? = d["name"], let messages = d["messages"] { byName[name] = messages }
        }
        return byName
    }()

    /// Every template with expected renderings, by file name ("Qwen-Qwen3-0.6B.jinja").
    static let templateNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("expected").path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) + ".jinja" }.sorted()
    }()

    static func source(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("jinja/\(name)"), encoding: .utf8)
    }

    struct Case {
        var conversation: String
        var addGenerationPrompt: Bool
        /// nil when jinja2 raised.
        var output: String?
        var error: String?
        var errorKind: String?
    }

    static func expected(_ name: String) throws -> (variables: [String: JinjaValue], cases: [Case]) {
        let url = directory.appendingPathComponent("expected/\(name.dropLast(6)).json")
        guard case .dict(let file) = try JinjaJSON.parse(Data(contentsOf: url)),
              case .dict(let variables)? = file["variables"], case .list(let cases)? = file["cases"] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        var parsed: [Case] = []
        for item in cases {
            guard case .dict(let c) = item, case .string(let conversation)? = c["conversation"],
                  case .bool(let agp)? = c["add_generation_prompt"] else { continue }
            func text(_ key: String) -> String? { if case .string(let s)? = c[key] { return s } else { return nil } }
            parsed.append(Case(conversation: conversation, addGenerationPrompt: agp, output: text("output"),
                               error: text("error"), errorKind: text("error_kind")))
        }
        return (Dictionary(uniqueKeysWithValues: variables.pairs), parsed)
    }

    /// Variables as transformers passes them to `render`.
    static func variables(_ base: [String: JinjaValue], conversation: String, addGenerationPrompt: Bool) -> [String: JinjaValue] {
        var variables = base
        variables["messages"] = conversations[conversation] ?? .list([])
        variables["add_generation_prompt"] = .bool(addGenerationPrompt)
        variables["tools"] = JinjaValue.none
        variables["documents"] = JinjaValue.none
        return variables
    }

    /// What happened to one case when Tollgate rendered it.
    enum Outcome: Equatable {
        case matched
        /// Tollgate refused with `unsupported`: acceptable outside the families Tollgate runs.
        case refused(String)
        /// A different text, or text where jinja2 failed, or a failure where jinja2 rendered.
        case wrong(String)
    }

    static func outcomes(_ name: String) throws -> [(Case, Outcome)] {
        let (base, cases) = try expected(name)
        let template: JinjaTemplate
        do {
            template = try JinjaTemplate(source: try source(name), name: name)
        } catch let error as TemplateError where error.kind == .unsupported {
            return cases.map { ($0, .refused(error.description)) }
        }
        return cases.map { c in
            let variables = variables(base, conversation: c.conversation, addGenerationPrompt: c.addGenerationPrompt)
            do {
                let text = try template.render(variables, now: pinnedDate).text
                guard let output = c.output else { return (c, .wrong("rendered where jinja2 raised \(c.error ?? "")")) }
                return (c, text == output ? .matched : .wrong("differs:\n\(text.debugDescription)\njinja2:\n\(output.debugDescription)"))
            } catch let error as TemplateError {
                if c.output == nil {
                    // jinja2 failed too; a raise_exception message must be the same one.
                    if c.errorKind == "raise_exception", error.message != c.error {
                        return (c, .wrong("raised '\(error.message)' where jinja2 raised '\(c.error ?? "")'"))
                    }
                    return (c, .matched)
                }
                return (c, error.kind == .unsupported ? .refused(error.description) : .wrong("failed: \(error)"))
            } catch {
                return (c, .wrong("failed: \(error)"))
            }
        }
    }
}
