import Foundation
import Harness
import Testing

/// `template_file:`, `template_vars:` and `template_date:` in an experiment, as `--template-file`,
/// `--template-var` and `--template-date` on the command line.
struct ExperimentFileTemplateTests {
    static let yaml = """
        name: thinking-off
        model: models/qwen3.gguf
        training:
          data: d/train.jsonl
          template_vars: {enable_thinking: false}
          template_date: 2026-12-01
        eval_sets:
          - dataset: d/holdout.jsonl
            decoding:
              template: tool_use
              template_file: templates/qwen3-nothink.jinja
              template_vars: {enable_thinking: false, reasoning_budget: 3}
              template_date: 2026-12-01
        """

    @Test func templateKeysAreRead() throws {
        let experiment = try ExperimentFile.parse(yaml: Self.yaml, file: "x.yaml")
        let training = try #require(experiment.training)
        #expect(training.templateVariables == ["enable_thinking": "false"] && training.templateDate == "2026-12-01")
        let decoding = experiment.evalSets[0].decoding
        #expect(decoding.template == "tool_use" && decoding.templateFile == "templates/qwen3-nothink.jinja")
        #expect(decoding.templateVariables == ["enable_thinking": "false", "reasoning_budget": "3"])
        #expect(decoding.templateDate == "2026-12-01")
    }

    @Test func badTemplateKeysNameTheKeyAndTheFix() throws {
        for (bad, key) in [("template_date: December", "template_date"), ("template_vars: [a, b]", "template_vars"),
                           ("template_vars: {\"not a name\": 1}", "not a name")] {
            let yaml = "name: x\nmodel: m.gguf\ntraining:\n  data: d/train.jsonl\n  \(bad)\neval_sets:\n  - dataset: d/h.jsonl\n"
            #expect {
                try ExperimentFile.parse(yaml: yaml, file: "x.yaml")
            } throws: { error in
                "\(error)".contains(key) || ((error as? LocalizedError)?.errorDescription ?? "").contains(key)
            }
        }
    }
}
