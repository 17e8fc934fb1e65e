import Foundation
import Templates
import Testing

/// llama.cpp's collection of real chat templates (models/templates in llama-cpp-python 0.3.36) and
/// SmolLM2's, rendered over the 21 conversations of conversations.json with and without the
/// generation prompt, against jinja2 set up as transformers sets it up.
struct RealTemplateTests {
    /// The families Tollgate runs: every case must match byte for byte.
    static let familyTemplates = [
        "HuggingFaceTB-SmolLM2-135M-Instruct.jinja", "HuggingFaceTB-SmolLM3-3B.jinja", "google-gemma-2-2b-it.jinja",
        "Qwen-Qwen2.5-7B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja",
        "meta-llama-Llama-3.2-3B-Instruct.jinja", "meta-llama-Llama-3.3-70B-Instruct.jinja",
        "microsoft-Phi-3.5-mini-instruct.jinja", "mistralai-Mistral-Nemo-Instruct-2407.jinja",
        "Mistral-Small-3.2-24B-Instruct-2506.jinja", "unsloth-mistral-Devstral-Small-2507.jinja",
        "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
    ]

    @Test func theFixturesHoldEveryTemplateAndTwentyConversations() {
        #expect(TemplateFixtures.templateNames.count >= 71)
        #expect(TemplateFixtures.conversations.count >= 20)
        for name in Self.familyTemplates { #expect(TemplateFixtures.templateNames.contains(name), "\(name)") }
    }

    @Test(arguments: familyTemplates)
    func familyTemplateMatchesJinja2OnEveryConversation(_ name: String) throws {
        let outcomes = try TemplateFixtures.outcomes(name)
        #expect(outcomes.count == TemplateFixtures.conversations.count * 2)
        for (c, outcome) in outcomes {
            #expect(outcome == .matched, "\(name) \(c.conversation) add_generation_prompt=\(c.addGenerationPrompt)")
        }
    }

    /// Every other template: a rendering is either jinja2's, byte for byte, or a refusal naming the
    /// construct Tollgate does not implement — never a different prompt.
    @Test(arguments: TemplateFixtures.templateNames)
    func templateMatchesJinja2OrRefusesByName(_ name: String) throws {
        for (c, outcome) in try TemplateFixtures.outcomes(name) {
            if case .wrong(let why) = outcome {
                Issue.record("\(name) \(c.conversation) add_generation_prompt=\(c.addGenerationPrompt): \(why)")
            }
            if case .refused(let message) = outcome {
                #expect(message.contains("does not support"), "\(message)")
            }
        }
    }

    @Test func atLeastNinetyPercentOfTemplatesMatchOnEveryConversation() throws {
        let names = TemplateFixtures.templateNames
        let fullyMatching = try names.filter { try TemplateFixtures.outcomes($0).allSatisfy { $0.1 == .matched } }
        #expect(Double(fullyMatching.count) >= 0.9 * Double(names.count),
                "\(fullyMatching.count) of \(names.count) templates match on every conversation")
    }
}
