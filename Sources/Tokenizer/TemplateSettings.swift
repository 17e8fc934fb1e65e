import Foundation
import ModelIO
import Templates

/// What the user chose about the chat template (`--template`, `--template-file`, `--template-var`,
/// `--template-date`, or an experiment's `template:`, `template_file:`, `template_vars:`,
/// `template_date:`).
public struct TemplateSettings: Codable, Sendable, Equatable {
    /// `auto` (the model's own), `chatml`, `llama3`, `raw`, or the NAME of a model's
    /// `tokenizer.chat_template.NAME`.
    public var choice: String
    /// A Jinja file used instead of the model's template (wins over `choice`).
    public var file: String?
    /// Template variables as written (`enable_thinking=false`): values that read as JSON
    /// (`false`, `3`, `"x"`, `[1]`) are those values, anything else is a string.
    public var variables: [String: String]
    /// `YYYY-MM-DD`: what `strftime_now` returns (Llama 3.2 writes today's date into every prompt).
    public var date: String?

    public init(choice: String = "auto", file: String? = nil, variables: [String: String] = [:], date: String? = nil) {
        self.choice = choice
        self.file = file
        self.variables = variables
        self.date = date
    }

    /// Reads `K=V` arguments into `variables`.
    public static func parseAssignments(_ assignments: [String]) throws -> [String: String] {
        var variables: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ChatTemplateError.badVariable(assignment)
            }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return variables
    }

    func parsedVariables() throws -> [String: JinjaValue] {
        var values: [String: JinjaValue] = [:]
        for (key, text) in variables {
            guard key.first.map({ $0.isLetter || $0 == "_" }) == true, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ChatTemplateError.badVariable("\(key)=\(text)")
            }
            values[key] = (try? JinjaJSON.parse(text)) ?? .string(text)
        }
        return values
    }

    /// The pinned date at 00:00 UTC, or nil for the current time.
    public func pinnedDate() throws -> Date? {
        guard let date else { return nil }
        let parts = date.split(separator: "-").map { Int($0) }
        guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2], (1...12).contains(m), (1...31).contains(d) else {
            throw ChatTemplateError.badDate(date)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let pinned = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.day, from: pinned) == d else { throw ChatTemplateError.badDate(date) }
        return pinned
    }
}

/// What a model brings to its chat template: the default text, named variants, special tokens.
public struct ModelChatTemplates: Sendable, Equatable {
    /// `tokenizer.chat_template`; nil for a base model without one.
    public var source: String?
    /// `tokenizer.chat_template.NAME` texts by NAME (`tool_use`, `rag`).
    public var named: [String: String]
    /// The text of the BOS and EOS tokens, passed to the template as `bos_token` and `eos_token`.
    public var bosToken: String?
    public var eosToken: String?

    public init(source: String?, named: [String: String] = [:], bosToken: String? = nil, eosToken: String? = nil) {
        self.source = source
        self.named = named
        self.bosToken = bosToken
        self.eosToken = eosToken
    }

    /// Everything from the GGUF's metadata.
    public init(gguf: GGUFFile) {
        source = gguf.string("tokenizer.chat_template")
        var named: [String: String] = [:]
        let prefix = "tokenizer.chat_template."
        for key in gguf.metadataKeys where key.hasPrefix(prefix) {
            if let text = gguf.string(key) { named[String(key.dropFirst(prefix.count))] = text }
        }
        self.named = named
        let tokens = gguf.stringArray("tokenizer.ggml.tokens") ?? []
        func token(_ key: String) -> String? {
            guard let id = gguf.value(key)?.int, tokens.indices.contains(id) else { return nil }
            return tokens[id]
        }
        bosToken = token("tokenizer.ggml.bos_token_id")
        eosToken = token("tokenizer.ggml.eos_token_id")
    }
}

/// Why a chat template choice could not be followed; one line with the fix.
public enum ChatTemplateError: LocalizedError, Equatable {
    case unknownChoice(String, variants: [String])
    case unreadableFile(String)
    case badVariable(String)
    case badDate(String)

    public var errorDescription: String? {
        switch self {
        case .unknownChoice(let choice, let variants):
            let named = variants.isEmpty ? "" : ", or one of the model's named templates (\(variants.joined(separator: ", ")))"
            return "unknown chat template \"\(choice)\"; choose auto, chatml, llama3 or raw\(named), or pass --template-file"
        case .unreadableFile(let path):
            return "\(path): cannot read the template file as UTF-8 text; pass a Jinja chat template file"
        case .badVariable(let text):
            return "template variable \"\(text)\" is not NAME=VALUE with NAME a Jinja identifier; write e.g. enable_thinking=false"
        case .badDate(let text):
            return "template date \"\(text)\" is not a date as YYYY-MM-DD; write e.g. 2026-12-01"
        }
    }
}
