import Foundation
import Gate
import Harness
import Testing

private let file = "Experiments/x.yaml"

private let full = """
name: nightly
model: models/SmolLM2-135M-Instruct.Q4_1.gguf
training:
  data: Datasets/capitals/train.jsonl
  valid: Datasets/capitals/valid.jsonl
  rank: 16
  alpha: 32
  targets: [q, k, v, o]
  steps: 300
  batch_size: 8
  lr: 2.0e-4
  optimizer: sgd
  seed: 7
  save_every: 100
  template: chatml
  init_adapter: adapters/warm
  resume: true
  precision: bf16
  selection: {fraction: 0.2, seed: 9}
eval_sets:
  - dataset: Datasets/capitals/holdout.jsonl
    metrics: [em, bleu, chrf++]
    decoding: {max_tokens: 32, temperature: 0.7, top_p: 0.9, seed: 3, template: raw}
    limit: 50
    batch_size: 4
  - name: extra
    dataset: holdout2.jsonl
    metrics: [chrf]
baseline: {pinned: 42}
checkpoints:
  evaluate: 3
  choose: best
  eval_set: extra
gates:
  bleu: {floor: 20, max_drop: 1.0, max_relative_drop: 0.05, significance: 0.05}
  chrf++: {max_drop: 2, greater_is_better: true}
budgets:
  p95_latency_seconds: 2.5
  cost_per_1000_requests: 0.05
  cpu_hour_price: 0.1
drift: {recent_go_runs: 5, flaky_minimum_flips: 3}
correction: none
"""

@Test func fullExperimentFileDecodesEveryField() throws {
    let experiment = try ExperimentFile.parse(yaml: full, file: file)
    #expect(experiment.name == "nightly")
    #expect(experiment.model == "models/SmolLM2-135M-Instruct.Q4_1.gguf")
    let training = try #require(experiment.training)
    #expect(training.data == "Datasets/capitals/train.jsonl")
    #expect(training.valid == "Datasets/capitals/valid.jsonl")
    #expect(training.rank == 16 && training.alpha == 32)
    #expect(training.targets == ["q", "k", "v", "o"])
    #expect(training.steps == 300 && training.epochs == nil)
    #expect(training.batchSize == 8 && training.learningRate == 2e-4)
    #expect(training.optimizer == "sgd" && training.seed == 7 && training.saveEvery == 100)
    #expect(training.template == "chatml" && training.initAdapter == "adapters/warm" && training.resume)
    #expect(training.precision == "bf16")
    #expect(experiment.evalSets.map(\.name) == ["capitals/holdout", "extra"])
    let first = experiment.evalSets[0]
    #expect(first.metrics == ["em", "bleu", "chrf++"])
    #expect(first.decoding.maxTokens == 32 && first.decoding.temperature == 0.7 && first.decoding.topP == 0.9)
    #expect(first.decoding.seed == 3 && first.decoding.template == "raw")
    #expect(first.limit == 50 && first.batchSize == 4)
    #expect(experiment.baseline == .pinned("42"))
    #expect(experiment.checkpoints.evaluate == .last(3))
    #expect(experiment.checkpoints.choose == "best")
    #expect(experiment.checkpoints.evalSet == "extra")
    #expect(experiment.checkpoints.metric == "chrf")   // no gate covers the ranking set: its first metric
    #expect(training.selection == SelectionPlan(fraction: 0.2, seed: 9))
    #expect(experiment.correction == MultipleTestingCorrection.none && experiment.gatePolicy.correction == .none)
    #expect(experiment.gates == [
        MetricRule(metric: "bleu", floor: 20, maxDrop: 1, maxRelativeDrop: 0.05, significanceAlpha: 0.05),
        MetricRule(metric: "chrf++", maxDrop: 2),
    ])
    #expect(experiment.budgets.p95LatencySeconds == 2.5)
    #expect(experiment.budgets.costPer1000Requests == 0.05 && experiment.budgets.cpuHourPrice == 0.1)
    #expect(experiment.drift.recentGoRuns == 5 && experiment.drift.flakyMinimumFlips == 3)
    #expect(experiment.gatePolicy.budgets == Budgets(p95LatencySeconds: 2.5, costPerThousandRequests: 0.05))
}

@Test func minimalExperimentFileGetsTheDefaults() throws {
    let experiment = try ExperimentFile.parse(yaml: """
        name: smoke
        model: m.gguf
        eval_sets:
          - dataset: holdout.jsonl
        """, file: file)
    #expect(experiment.training == nil)
    #expect(experiment.evalSets.map(\.name) == ["holdout"])
    #expect(experiment.evalSets[0].metrics == ["em", "bleu", "chrf"])
    #expect(experiment.evalSets[0].decoding == DecodingPlan())
    #expect(experiment.evalSets[0].decoding.maxTokens == 64 && experiment.evalSets[0].decoding.temperature == 0)
    #expect(experiment.baseline == .base)
    #expect(experiment.checkpoints.evaluate == .final && experiment.checkpoints.choose == "last")
    #expect(experiment.checkpoints.metric == "em")
    #expect(experiment.gates.isEmpty && experiment.budgets == BudgetPlan())
    #expect(experiment.drift.recentGoRuns == 7)
    #expect(experiment.correction == .holm)
}

@Test func trainingDefaultsAndBaselineWords() throws {
    let experiment = try ExperimentFile.parse(yaml: """
        name: t
        model: m.gguf
        training: {data: train.jsonl, epochs: 2}
        eval_sets: [{dataset: a/h.jsonl, metrics: [bleu]}]
        baseline: last_go
        checkpoints: {evaluate: all}
        """, file: file)
    let training = try #require(experiment.training)
    #expect(training.rank == 8 && training.alpha == 16 && training.targets == ["q", "v"])
    #expect(training.epochs == 2 && training.steps == nil && training.optimizer == "adamw" && training.template == "auto")
    #expect(training.precision == "f32")
    #expect(experiment.baseline == .lastGo)
    #expect(experiment.checkpoints.evaluate == .all)
    #expect(training.selection == SelectionPlan(fraction: 0.1, seed: 1))
}

/// A file with one mistake, and the exact one-line message it must produce.
struct BadFile: Sendable, CustomTestStringConvertible {
    let label: String
    let yaml: String
    let message: String
    var testDescription: String { label }
}

private let header = "name: n\nmodel: m.gguf\n"
private let oneSet = "eval_sets:\n  - dataset: d/h.jsonl\n"

let badFiles: [BadFile] = [
    BadFile(label: "typo in an eval set key", yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    metircs: [bleu]\n",
            message: "unknown key 'metircs' in eval_sets[0] at Experiments/x.yaml:5; did you mean 'metrics'?"),
    BadFile(label: "unknown top-level key without a near match", yaml: header + oneSet + "colour: blue\n",
            message: "unknown key 'colour' in the top level at Experiments/x.yaml:5; the keys allowed there are name, model, adapter, training, eval_sets, baseline, checkpoints, gates, budgets, drift, variants, endpoints, correction, privacy, sweep, routes, drills, judges"),
    BadFile(label: "typo in a training key", yaml: header + "training:\n  data: t.jsonl\n  batchsize: 4\n" + oneSet,
            message: "unknown key 'batchsize' in training at Experiments/x.yaml:5; did you mean 'batch_size'?"),
    BadFile(label: "string where an integer belongs", yaml: header + "training:\n  data: t.jsonl\n  rank: eight\n" + oneSet,
            message: "'training.rank' at Experiments/x.yaml:5 must be an integer, not the string 'eight'"),
    BadFile(label: "quoted number where an integer belongs", yaml: header + "training: {data: t.jsonl, steps: \"100\"}\n" + oneSet,
            message: "'training.steps' at Experiments/x.yaml:3 must be an integer, not the string '100'"),
    BadFile(label: "fractional integer", yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    limit: 2.5\n",
            message: "'eval_sets[0].limit' at Experiments/x.yaml:5 must be an integer, not the number 2.5"),
    BadFile(label: "mapping where a list belongs", yaml: header + "eval_sets: {dataset: h.jsonl}\n",
            message: "'eval_sets' at Experiments/x.yaml:3 must be a list, not a mapping"),
    BadFile(label: "boolean as text", yaml: header + oneSet + "gates:\n  bleu: {greater_is_better: maybe}\n",
            message: "'gates.bleu.greater_is_better' at Experiments/x.yaml:6 must be true or false, not the string 'maybe'"),
    BadFile(label: "missing model", yaml: "name: n\n" + oneSet,
            message: "missing key 'model' at Experiments/x.yaml:1; add the GGUF model path, e.g. model: models/SmolLM2-135M-Instruct.Q4_1.gguf"),
    BadFile(label: "missing eval sets", yaml: header,
            message: "missing key 'eval_sets' at Experiments/x.yaml:1; add a list of eval sets, each with a dataset path"),
    BadFile(label: "missing dataset", yaml: header + "eval_sets:\n  - metrics: [em]\n",
            message: "missing key 'eval_sets[0].dataset' at Experiments/x.yaml:4; add the JSONL holdout path, e.g. dataset: Datasets/capitals/holdout.jsonl"),
    BadFile(label: "optimizer typo", yaml: header + "training: {data: t.jsonl, optimizer: adamx}\n" + oneSet,
            message: "'training.optimizer' at Experiments/x.yaml:3 is 'adamx'; use one of adamw, sgd (did you mean 'adamw'?)"),
    BadFile(label: "precision typo", yaml: header + "training:\n  data: t.jsonl\n  precision: bf61\n" + oneSet,
            message: "'training.precision' at Experiments/x.yaml:5 is 'bf61'; use one of f32, bf16, int8, auto (did you mean 'bf16'?)"),
    BadFile(label: "unknown precision", yaml: header + "training: {data: t.jsonl, precision: fp8}\n" + oneSet,
            message: "'training.precision' at Experiments/x.yaml:3 is 'fp8'; use one of f32, bf16, int8, auto (did you mean 'f32'?)"),
    BadFile(label: "unknown metric", yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    metrics: [em, bleuu]\n",
            message: "'eval_sets[0].metrics[1]' at Experiments/x.yaml:5 is 'bleuu'; use one of em, bleu, chrf, chrf++, macro_f1 (did you mean 'bleu'?)"),
    BadFile(label: "gate on a metric no eval set computes", yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    metrics: [bleu]\ngates:\n  blue: {floor: 1}\n",
            message: "unknown key 'blue' in gates at Experiments/x.yaml:7; did you mean 'bleu'?"),
    BadFile(label: "steps and epochs together", yaml: header + "training: {data: t.jsonl, steps: 10, epochs: 1}\n" + oneSet,
            message: "'training.epochs' at Experiments/x.yaml:3 is set together with steps; give one of steps or epochs"),
    BadFile(label: "negative drop", yaml: header + oneSet + "gates:\n  bleu: {max_drop: -1}\n",
            message: "'gates.bleu.max_drop' at Experiments/x.yaml:6 is -1.0; use 0 (no drop allowed) or more"),
    BadFile(label: "significance outside (0, 1)", yaml: header + oneSet + "gates:\n  bleu: {max_drop: 1, significance: 5}\n",
            message: "'gates.bleu.significance' at Experiments/x.yaml:6 is 5.0; use a significance level between 0 and 1, such as 0.05"),
    BadFile(label: "zero rank", yaml: header + "training: {data: t.jsonl, rank: 0}\n" + oneSet,
            message: "'training.rank' at Experiments/x.yaml:3 is 0; it must be greater than 0"),
    BadFile(label: "cost budget without a CPU price", yaml: header + oneSet + "budgets:\n  cost_per_1000_requests: 0.1\n",
            message: "missing key 'budgets.cpu_hour_price' at Experiments/x.yaml:6; add the price of one CPU hour; the cost budget is checked against measured CPU time × this price"),
    BadFile(label: "duplicate key", yaml: header + "model: other.gguf\n" + oneSet,
            message: "key 'model' appears twice at Experiments/x.yaml:3; keep one of them"),
    BadFile(label: "two eval sets with one name", yaml: header + "eval_sets:\n  - dataset: a/h.jsonl\n  - dataset: a/h.jsonl\n",
            message: "'eval_sets[1].dataset' at Experiments/x.yaml:5 gives a second eval set named 'a/h'; give each eval set its own name"),
    BadFile(label: "baseline word typo", yaml: header + oneSet + "baseline: last-go\n",
            message: "'baseline' at Experiments/x.yaml:5 is 'last-go'; use one of base, last_go (did you mean 'last_go'?)"),
    BadFile(label: "checkpoint count below one", yaml: header + oneSet + "checkpoints: {evaluate: 0}\n",
            message: "'checkpoints.evaluate' at Experiments/x.yaml:5 is 0; give the number of last checkpoints to score (1 or more), all or final"),
    BadFile(label: "ranking metric the eval set does not compute", yaml: header + oneSet + "checkpoints: {choose: best, metric: chrf++}\n",
            message: "'checkpoints.metric' at Experiments/x.yaml:5 is 'chrf++'; use one of em, bleu, chrf (did you mean 'chrf'?)"),
    BadFile(label: "top level is a list", yaml: "- name: n\n",
            message: "'(file)' at Experiments/x.yaml:1 must be a mapping of keys to values, not a list"),
    BadFile(label: "empty file", yaml: "",
            message: "missing key 'name' at Experiments/x.yaml; add name, model and eval_sets (the file is empty)"),
    BadFile(label: "unknown precision", yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    decoding: {precision: fp16}\n",
            message: "'eval_sets[0].decoding.precision' at Experiments/x.yaml:5 is 'fp16'; use one of f32, bf16, int8, auto (did you mean 'bf16'?)"),
    BadFile(label: "choosing checkpoints on a gated eval set",
            yaml: header + oneSet + "gates:\n  em: {max_drop: 0}\ncheckpoints: {choose: best, eval_set: d/h}\n",
            message: "'checkpoints.eval_set' at Experiments/x.yaml:7 names 'd/h', an eval set the gate decides on (em), so choosing a checkpoint on it would peek at the holdout; remove eval_set to choose on training.valid or the split carved from training.data (training.selection), or name an eval set no gate uses"),
    BadFile(label: "selection fraction out of range", yaml: header + "training:\n  data: t.jsonl\n  selection: {fraction: 0.9}\n" + oneSet,
            message: "'training.selection.fraction' at Experiments/x.yaml:5 is 0.9; carve a share between 0 and 0.5 of the training data, such as 0.1"),
    BadFile(label: "correction typo", yaml: header + oneSet + "correction: hlom\n",
            message: "'correction' at Experiments/x.yaml:5 is 'hlom'; use one of holm, none (did you mean 'holm'?)"),
    BadFile(label: "empty training block", yaml: header + "training:\n" + oneSet,
            message: "'training' at Experiments/x.yaml:3 must be a mapping of keys to values, not an empty value"),
]

@Test(arguments: badFiles + badVariantFiles)
func badExperimentFileFailsWithFileLineAndKey(_ bad: BadFile) {
    do {
        _ = try ExperimentFile.parse(yaml: bad.yaml, file: file)
        Issue.record("parsed without an error")
    } catch let error as ExperimentFileError {
        #expect(error.errorDescription == bad.message)
    } catch {
        Issue.record("unexpected error type: \(error)")
    }
}

@Test func evalSetPrecisionIsReadFromDecoding() throws {
    let experiment = try ExperimentFile.parse(yaml: header + "eval_sets:\n  - dataset: d/h.jsonl\n    decoding: {precision: bf16}\n  - dataset: d/i.jsonl\n",
                                              file: file)
    #expect(experiment.evalSets.map(\.decoding.precision) == ["bf16", "f32"])
}

@Test func yamlSyntaxErrorNamesTheLine() throws {
    let error = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: header + "eval_sets:\n  - dataset: [unclosed\n", file: file)
    }
    #expect(error.line == 5)
    if case .syntax = error.problem {} else { Issue.record("expected a syntax error, got \(error.problem)") }
    #expect(error.errorDescription?.hasPrefix("Experiments/x.yaml:5 is not valid YAML: ") == true)
    #expect(error.errorDescription?.contains("\n") == false)
}

@Test func missingFileIsAnUnreadableError() throws {
    let error = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.load(path: "/nonexistent/Experiments/none.yaml")
    }
    #expect(error.errorDescription == "cannot read experiment file /nonexistent/Experiments/none.yaml: no such file")
}

@Test func loadReadsAFileFromDisk() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-\(UUID().uuidString).yaml")
    try Data(full.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try ExperimentFile.load(path: url.path) == ExperimentFile.parse(yaml: full, file: "other name"))
}

@Test func gateRulesFileWithOnlyGatesAndBudgetsGivesAPolicy() throws {
    let policy = try ExperimentFile.parseGatePolicy(yaml: """
        gates:
          chrf++: {max_relative_drop: 0.02, significance: 0.01}
          em: {floor: 0.5}
        budgets: {p95_latency_seconds: 1}
        """, file: "rules.yaml")
    #expect(policy == GatePolicy(rules: [MetricRule(metric: "chrf++", maxRelativeDrop: 0.02, significanceAlpha: 0.01),
                                         MetricRule(metric: "em", floor: 0.5)],
                                 budgets: Budgets(p95LatencySeconds: 1)))
    #expect(try ExperimentFile.parseGatePolicy(yaml: full, file: file) == ExperimentFile.parse(yaml: full, file: file).gatePolicy)
    let error = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parseGatePolicy(yaml: "gates:\n  chrff: {floor: 1}\n", file: "rules.yaml")
    }
    #expect(error.errorDescription == "unknown key 'chrff' in gates at rules.yaml:2; did you mean 'chrf'?")
}

@Test func deeplyNestedYAMLIsRejectedWithoutCrashing() throws {
    let yaml = "name: " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "\n"
    let error = try #require(throws: ExperimentFileError.self) { try ExperimentFile.parse(yaml: yaml, file: file) }
    #expect(error.line == 1)
}

@Test func deeplyNestedCompactSequencesAreRejectedWithoutCrashing() throws {
    let yaml = header + oneSet + "gates:\n" + String(repeating: "- ", count: 300_000) + "x\n"
    let error = try #require(throws: ExperimentFileError.self) { try ExperimentFile.parse(yaml: yaml, file: file) }
    #expect(error.line == 6)
    if case .syntax = error.problem {} else { Issue.record("expected a syntax error, got \(error.problem)") }
}

@Test func adapterNamesTheCandidateOfAnExperimentThatDoesNotTrain() throws {
    let experiment = try ExperimentFile.parse(yaml: """
        name: nightly
        model: m.gguf
        adapter: runs/x/adapter
        eval_sets:
          - dataset: holdout.jsonl
        """, file: file)
    #expect(experiment.adapter == "runs/x/adapter")
    #expect(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: """
            name: nightly
            model: m.gguf
            adapter: runs/x/adapter
            training: {data: train.jsonl}
            eval_sets:
              - dataset: holdout.jsonl
            """, file: file)
    }
}
