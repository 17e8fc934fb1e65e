import Foundation
import Harness
import Testing

/// `kind: multiple_choice` eval sets in experiment files: the forgetting guard.
@Suite struct GuardExperimentFileTests {
    static func yaml(_ evalSets: String, extra: String = "") -> String {
        """
        name: guarded
        model: models/SmolLM2-135M-Instruct.Q4_1.gguf
        eval_sets:
        \(evalSets)
        gates:
          em: {floor: 60}
          acc_norm: {max_drop: 3, significance: 0.05}
        \(extra)
        """
    }

    static let routing = """
          - name: routing
            dataset: Datasets/support-routing/holdout.jsonl
            metrics: [em]
        """

    @Test func aGuardSetParsesWithItsMetricsAndGates() throws {
        let experiment = try ExperimentFile.parse(yaml: Self.yaml(Self.routing + """

              - name: hellaswag
                kind: multiple_choice
                dataset: Datasets/hellaswag/guard-200.jsonl
                limit: 100
                truncation: left
              - name: piqa
                kind: multiple_choice
                dataset: Datasets/piqa/guard-200.jsonl
                metrics: [acc_norm]
            """), file: "x.yaml")
        #expect(experiment.evalSets.map(\.isGuard) == [false, true, true])
        #expect(experiment.evalSets[1].metrics == ["acc", "acc_norm"])
        #expect(experiment.evalSets[1].limit == 100 && experiment.evalSets[1].truncation == "left")
        #expect(experiment.evalSets[2].metrics == ["acc_norm"])
        #expect(experiment.gates.map(\.metric) == ["em", "acc_norm"])
    }

    @Test(arguments: [
        ("  - {name: h, kind: multiple_choice, dataset: h.jsonl}\n" + routing, "list a generation eval set first"),
        (routing + "\n  - {name: h, kind: multiple_choice, dataset: h.jsonl, metrics: [em]}", "computes acc and acc_norm"),
        (routing + "\n  - {name: h, kind: multiple_choice, dataset: h.jsonl, decoding: {max_tokens: 4}}", "remove decoding"),
        (routing + "\n  - {name: h, kind: ranking, dataset: h.jsonl}", "ranking"),
    ])
    func aMisplacedGuardIsAnErrorNamingTheFix(evalSets: String, expected: String) {
        do {
            _ = try ExperimentFile.parse(yaml: Self.yaml(evalSets), file: "x.yaml")
            Issue.record("accepted: \(evalSets)")
        } catch {
            #expect(String(describing: error).contains(expected) || (error as? LocalizedError)?.errorDescription?.contains(expected) == true,
                    "\(error)")
        }
    }
}
