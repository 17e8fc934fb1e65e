import Foundation
import Harness
import Store
import Testing
import TestSupport

/// Constrained judges against the scripted judge server (`JudgeScene`): the request carries the
/// verdict's JSON schema in the form asked for, the answer is read in the JSON form only, and a
/// server that refuses the field stops the run naming the endpoint and the option.
@Suite(.serialized)
struct JudgeConstraintTests {
    /// The judge writes back the judged answer (as in `JudgeScriptedServerTests`).
    static let echo = #"template: "ANSWER:{{ answer | replace('FIN=', 'FINISH=') }}""#

    /// The `response_format` of each judge call the store holds (its request body is the prediction's prompt).
    func responseFormats(_ scene: JudgeScene, _ outcome: ExperimentOutcome, judge: String) throws -> [[String: Any]] {
        let store = try TollgateStore(path: scene.storePath)
        let judgeEvaluations = Set(try scene.verdicts(outcome, judge: judge).map(\.judgeEvaluationID))
        return try judgeEvaluations.flatMap { try store.predictions(evaluationID: $0) }.map { prediction in
            let body = try JSONSerialization.jsonObject(with: Data(prediction.prompt.utf8)) as? [String: Any]
            return try #require(body?["response_format"] as? [String: Any], "no response_format in \(prediction.prompt)")
        }
    }

    @Test func anEndpointJudgeSendsTheSchemaAndReadsOnlyTheJSONForm() async throws {
        let scene = try JudgeScene()
        let forms: [(answer: String, label: String?, reason: String?)] = [
            (#"{"verdict": "PASS"}"#, "PASS", nil),
            (#"{ "verdict":"FAIL" }"#, "FAIL", nil),
            (#"{"verdict": "PASS""#, nil, "malformed JSON verdict"),
            ("VERDICT: PASS", nil, "malformed JSON verdict"),
            (#"{"verdict": "MAYBE"}"#, nil, "is not one of FAIL, PASS"),
            (#"FIN=length;{"verdict": "PA"#, nil, "truncated"),
        ]
        let outcome = try await offPool { try scene.run(baseline: Array(repeating: #"{"verdict": "PASS"}"#, count: forms.count),
                                                        candidate: forms.map(\.answer), judges: """
            judges:
              - {name: strict, kind: rubric, model: "endpoint:judge", \(Self.echo), max_unscored: 4}

            """) }
        let verdicts = try scene.verdicts(outcome, judge: "strict")
        let candidateID = try #require(verdicts.compactMap(\.judgedEvaluationID).max())
        for (index, form) in forms.enumerated() {
            let row = try #require(verdicts.first { $0.exampleIndex == index && $0.judgedEvaluationID == candidateID })
            if let label = form.label {
                #expect(row.state == "scored" && row.label == label, "\(form.answer): \(row)")
            } else {
                #expect(row.state == "unscored" && row.label == nil && row.value == nil, "\(form.answer)")
                #expect(row.unscoredReason?.contains(form.reason!) == true, "\(form.answer): \(row.unscoredReason ?? "")")
            }
        }
        let report = try #require(outcome.report.judges?.first)
        #expect(report.unscored == 4 && report.candidate == 50 && report.baseline == 100)
        // Every call carried OpenAI's json_schema form with the judge's menu as the enum.
        let formats = try responseFormats(scene, outcome, judge: "strict")
        #expect(formats.count == 2 * forms.count)
        for format in formats {
            let wrapper = try #require(format["json_schema"] as? [String: Any])
            let schema = try #require(wrapper["schema"] as? [String: Any])
            let verdict = try #require((schema["properties"] as? [String: Any])?["verdict"] as? [String: Any])
            #expect(format["type"] as? String == "json_schema" && wrapper["name"] as? String == "verdict")
            #expect(wrapper["strict"] as? Bool == true && verdict["enum"] as? [String] == ["FAIL", "PASS"])
            #expect(schema["required"] as? [String] == ["verdict"])
        }
    }

    @Test func jsonObjectSendsTheSchemaInLlamaCppPythonsFormAndIsAnotherCacheKey() async throws {
        let scene = try JudgeScene()
        let answers = [#"{"verdict": "A"}"#, #"{"verdict": "B"}"#]
        func run(_ constrain: String) throws -> ExperimentOutcome {
            try scene.run(baseline: answers, candidate: answers, judges: """
                judges:
                  - {name: pair, kind: pairwise, model: "endpoint:judge", template: "ANSWER:{{ answer_a }}", constrain: \(constrain)}

                """)
        }
        let outcome = try await offPool { try run("json_object") }
        let formats = try responseFormats(scene, outcome, judge: "pair")
        #expect(formats.count == 4)
        for format in formats {
            let schema = try #require(format["schema"] as? [String: Any])
            let verdict = try #require((schema["properties"] as? [String: Any])?["verdict"] as? [String: Any])
            #expect(format["type"] as? String == "json_object" && format["json_schema"] == nil)
            #expect(verdict["enum"] as? [String] == ["A", "B", "TIE"])
        }
        // The judge always prefers what is shown first: position consistency 0, a tie everywhere.
        let report = try #require(outcome.report.judges?.first)
        #expect(report.unscored == 0 && report.positionConsistency == 0 && report.ties == 2)
        // The same judge under json_schema sends other requests: all four are asked again, none served from the cache.
        let before = try scene.judge.stats().requests
        let again = try await offPool { try run("json_schema") }
        #expect(try scene.judge.stats().requests == before + 4)
        #expect(again.report.judges?.first?.cachedCalls == 0)
    }

    @Test func aServerThatRefusesTheFieldStopsTheRunNamingTheOption() async throws {
        let scene = try JudgeScene(judgeScript: ["400"])
        do {
            _ = try await offPool { try scene.run(baseline: ["x", "y", "z"], candidate: ["x", "y", "z"], judges: """
                judges:
                  - {name: strict, kind: rubric, model: "endpoint:judge", \(Self.echo)}

                """) }
            Issue.record("the run went on after the judge's server refused response_format")
        } catch let failure as InfrastructureFailure {
            #expect(failure.message.contains("endpoint judge: fault-judge at \(scene.judge.baseURL) rejected the structured-output "
                + "field response_format {type: json_schema}"),
                    "\(failure.message)")
            #expect(failure.message.contains("HTTP 400") && failure.message.contains("constrain: to json_object"), "\(failure.message)")
        }
        // A refusal is not retried: at most one request per call (six). How many of the six were sent
        // before the refusal was seen depends on scheduling (two or three on a quiet machine, all six
        // under a loaded parallel test run), so only the bound that does not is asserted.
        let requests = try scene.judge.stats().requests
        #expect(requests <= 6, "\(requests) requests")
    }
}
