import Foundation
import Testing
import TestSupport

/// `tollgate template`: the exact text a template makes of a conversation, the token ids with the
/// training mask, and exit 2 (never a hang or a crash) for a hostile or unsupported template.
struct TemplateCommandTests {
    static func file(_ name: String, _ contents: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-template-\(UUID())-\(name)")
        try Data(contents.utf8).write(to: url)
        return url
    }

    static let conversation = #"[{"role": "user", "content": "My card was charged twice."}, {"role": "assistant", "content": "billing"}]"#

    @Test func templateFileRendersWithThePinnedDate() throws {
        let messages = try Self.file("messages.json", Self.conversation)
        let template = Fixtures.url("templates/jinja/meta-llama-Llama-3.2-3B-Instruct.jinja")
        let result = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", messages.path,
                                             "--template-date", "2026-12-01", "--add-generation-prompt", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(output?["text"] as? String == "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
                + "Today Date: 01 Dec 2026\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nMy card was charged twice.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nbilling<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test(.enabled(if: Fixtures.smolLM2 != nil, "the SmolLM2 model is not downloaded (make setup)"))
    func tokensCarryTheTrainingMask() throws {
        let messages = try Self.file("messages.json", Self.conversation)
        let result = try TollgateBinary.run(["template", "--model", Fixtures.smolLM2!.path, "--messages", messages.path,
                                             "--tokens", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((output["text"] as? String)?.hasPrefix("<|im_start|>system\nYou are a helpful AI assistant named SmolLM") == true)
        let ids = try #require(output["ids"] as? [Int]), mask = try #require(output["mask"] as? [Int])
        let tokens = try #require(output["tokens"] as? [String])
        #expect(ids.count == mask.count && ids.count == tokens.count)
        #expect(zip(tokens, mask).filter { $0.1 == 1 }.map(\.0).joined() == "billing<|im_end|>")
        #expect(ids.last == 2)
    }

    static let hostile: [(String, String)] = [
        ("endless-loop", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"),
        ("exponential-output", "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"),
        ("deep-recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
        ("attribute-probing", "{{ messages.__class__.__mro__[1].__subclasses__() }}"),
    ]

    @Test(arguments: hostile.map(\.0))
    func hostileTemplateExitsTwoWithinASecondNamingTheTemplateAndLimit(_ name: String) throws {
        let template = try Self.file("\(name).jinja", Self.hostile.first { $0.0 == name }!.1)
        let messages = try Self.file("messages.json", Self.conversation)
        let start = Date()
        let result = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", messages.path])
        let seconds = Date().timeIntervalSince(start)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(name).jinja") && result.stderr.contains("sandbox"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(seconds < 1.5, "\(seconds) s")  // the sandbox's own limit is 0.5 s; the rest is process start-up
    }

    @Test func unsupportedConstructExitsTwoNamingIt() throws {
        let template = Fixtures.url("templates/jinja/ByteDance-Seed-OSS.jinja")
        let messages = try Self.file("messages.json", Self.conversation)
        let result = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", messages.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("ByteDance-Seed-OSS.jinja:15") && result.stderr.contains("does not support"), "\(result.stderr)")
    }

    @Test func badMessagesAndBadOptionsAreRefused() throws {
        let template = Fixtures.url("templates/jinja/Qwen-Qwen3-0.6B.jinja")
        let broken = try Self.file("messages.json", #"{"role": "user"}"#)
        let result = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", broken.path])
        #expect(result.status == 2 && result.stderr.contains(broken.lastPathComponent))
        let usage = try TollgateBinary.run(["template", "--messages", broken.path])
        #expect(usage.status == 64)
        let badDate = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", broken.path,
                                              "--template-date", "December"])
        #expect(badDate.status == 64 && badDate.stderr.contains("YYYY-MM-DD"))
    }

    @Test func templateVariablesReachTheTemplate() throws {
        let messages = try Self.file("messages.json", #"[{"role": "user", "content": "Hi"}]"#)
        let template = Fixtures.url("templates/jinja/Qwen-Qwen3-0.6B.jinja")
        let thinking = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", messages.path,
                                               "--add-generation-prompt"])
        let notThinking = try TollgateBinary.run(["template", "--template-file", template.path, "--messages", messages.path,
                                                  "--add-generation-prompt", "--template-var", "enable_thinking=false"])
        #expect(thinking.stdout == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(notThinking.stdout == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")
    }
}
