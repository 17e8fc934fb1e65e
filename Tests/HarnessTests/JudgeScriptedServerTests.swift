import Endpoints
import Foundation
import Harness
import Store
import Testing
import TestSupport

/// Judges against scripted chat servers (`fault_server.py`): one server plays the judged model
/// (its answer is the text after "ANSWER:" in the prompt), another the judge, whose template
/// `ANSWER:{{ answer }}` makes it write back the answer it judges — so each judged answer scripts
/// the verdict. The baseline is a pinned evaluation of a second dataset with the same ids.
final class JudgeScene {
    let directory: URL
    let storePath: String
    let answers: ScriptedChatServer
    let judge: ScriptedChatServer
    private var files = 0

    init(judgeScript: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("judge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        storePath = directory.appendingPathComponent("tollgate.db").path
        answers = try ScriptedChatServer()
        judge = try ScriptedChatServer(script: judgeScript)
    }

    deinit {
        answers.stop()
        judge.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A dataset whose example i is answered `answers[i]` by the answers server.
    func dataset(_ answers: [String]) throws -> String {
        files += 1
        let path = directory.appendingPathComponent("set\(files).jsonl").path
        let lines = try answers.enumerated().map { index, answer in
            String(decoding: try JSONSerialization.data(withJSONObject: [
                "id": "q\(index + 1)", "prompt": "Customer question \(index + 1)?\nANSWER:\(answer)", "completion": "reference \(index + 1)",
            ], options: [.sortedKeys]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var endpointsBlock: String {
        """
        endpoints:
          answers: {base_url: "\(answers.baseURL)", model: fault, retries: 4}
          judge:
            base_url: "\(judge.baseURL)"
            model: fault-judge
            retries: 4
            max_concurrency: 2
            price: {input_per_million: 100, output_per_million: 200}

        """
    }

    /// Runs an experiment: the answers endpoint is the candidate on `candidate`, gated against a
    /// pinned evaluation of `baseline` (same ids), with `judges` and `gates` as YAML blocks.
    func run(baseline: [String], candidate: [String], judges: String, gates: String = "gates:\n  em: {floor: 0}\n",
             extra: String = "", store: String? = nil) throws -> ExperimentOutcome {
        let store = store ?? storePath
        let baselineSet = try dataset(baseline), candidateSet = try dataset(candidate)
        var request = EvaluationRequest(endpoint: EndpointConfig(name: "answers", baseURL: answers.baseURL, model: "fault"), dataPath: baselineSet)
        request.storePath = store
        request.metrics = [.exactMatch]
        let pinned = try Evaluator.run(request).evaluationID
        let yaml = "name: judged\nmodel: endpoint:answers\n" + endpointsBlock + """
            eval_sets:
              - {name: replies, dataset: "\(candidateSet)", metrics: [em], decoding: {max_tokens: 32}}
            baseline: {pinned: "\(pinned)"}

            """ + judges + gates + extra
        let experiment = try ExperimentFile.parse(yaml: yaml, file: "judged.yaml")
        return try ExperimentRunner.run(experiment: experiment, storePath: store,
                                        reportsDirectory: directory.appendingPathComponent("reports").path,
                                        commandLine: "test", log: { _ in })
    }

    func verdicts(_ outcome: ExperimentOutcome, judge name: String) throws -> [JudgeVerdictRecord] {
        let store = try TollgateStore(path: storePath)
        let ids = try store.evaluations(runID: outcome.runID).compactMap(\.id)
        return try ids.flatMap { try store.judgeVerdicts(judgeEvaluationID: $0) }.filter { $0.judge == name }
    }
}

/// Runs blocking work (the evaluator waits on the HTTP client's tasks with a semaphore) on a thread
/// of its own, so a test never blocks one of the few threads Swift's concurrency pool has.
func offPool<T>(_ body: @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// The judge's template that writes back the judged answer; "FIN=" becomes the server's
/// "FINISH=" prefix only on the judge's side, so the judge (not the judged model) stops with it.
private let echoTemplate = #"template: "ANSWER:{{ answer | replace('FIN=', 'FINISH=') }}""#
/// Judges that write a `VERDICT:` line: endpoint judges are constrained to the JSON form unless told not to.
let freeText = "constrain: off"

@Suite(.serialized)
struct JudgeScriptedServerTests {
    /// Candidate answers (= the judge's raw outputs) and what each must become.
    static let forms: [(answer: String, label: String?, reason: String?)] = [
        ("VERDICT: PASS", "PASS", nil),
        ("VERDICT: FAIL", "FAIL", nil),
        ("verdict: pass", "PASS", nil),
        ("**VERDICT: PASS**", "PASS", nil),
        ("The reply is polite but wrong.\nVERDICT: FAIL.", "FAIL", nil),
        ("VERDICT: PASS\nOn reflection the policy is wrong.\nVERDICT: FAIL", "FAIL", nil),
        ("PASS", nil, "no VERDICT line"),
        ("", nil, "empty output"),
        ("VERDICT: MAYBE", nil, "is not one of"),
        ("FIN=length;VERDICT: PAS", nil, "truncated"),
        ("FIN=content_filter;", nil, "refused"),
        ("I'm sorry, I can't evaluate replies.", nil, "no VERDICT line"),
    ]

    @Test func everyDocumentedFormIsReadAndTheRestIsUnscored() async throws {
        let scene = try JudgeScene()
        let candidate = Self.forms.map(\.answer)
        let outcome = try await offPool { try scene.run(baseline: Array(repeating: "VERDICT: PASS", count: candidate.count), candidate: candidate, judges: """
            judges:
              - {name: form, kind: rubric, model: "endpoint:judge", \(echoTemplate), \(freeText), max_unscored: 6}

            """) }
        let verdicts = try scene.verdicts(outcome, judge: "form")
        let byIndex = Dictionary(grouping: verdicts, by: \.exampleIndex)
        #expect(verdicts.count == 2 * candidate.count)
        for (index, form) in Self.forms.enumerated() {
            // The candidate's evaluation was created after the pinned baseline's, so its id is the larger.
            let rows = try #require(byIndex[index])
            #expect(rows.count == 2)
            let candidateRow = try #require(rows.first { $0.judgedEvaluationID == rows.compactMap(\.judgedEvaluationID).max() })
            if let label = form.label {
                #expect(candidateRow.state == "scored" && candidateRow.label == label, "\(form.answer): \(candidateRow)")
                #expect(candidateRow.value == (label == "PASS" ? 1 : 0))
            } else {
                #expect(candidateRow.state == "unscored" && candidateRow.value == nil && candidateRow.label == nil, "\(form.answer)")
                #expect(candidateRow.unscoredReason?.contains(form.reason!) == true, "\(form.answer): \(candidateRow.unscoredReason ?? "")")
            }
        }
        let report = try #require(outcome.report.judges?.first)
        #expect(report.unscored == 6 && report.judgedCalls == 24 && report.pairedExamples == 6)
        // Scored candidate verdicts PASS, FAIL, PASS, PASS, FAIL, FAIL: 50%; the unscored six count nowhere.
        #expect(report.candidate == 50 && report.baseline == 100)
        let comparison = try #require(outcome.report.evalSets.first?.rows.first { $0.metric == "judge:form" })
        #expect(comparison.candidate == 50)
        // Raw outputs are kept, and the judge's price is known: 24 calls × (11 × $100 + 3 × $200) per million tokens.
        #expect(verdicts.contains { $0.rawOutput == "VERDICT: MAYBE" })
        #expect(abs((report.costUSD ?? 0) - 24 * (11 * 100 + 3 * 200) / 1e6) < 1e-9)
        let markdown = try String(contentsOfFile: try #require(outcome.reportPaths.first { $0.hasSuffix(".md") }), encoding: .utf8)
        #expect(markdown.contains("## Judges") && markdown.contains("6 of 24") && markdown.contains("no VERDICT line"))
    }

    @Test func moreUnscoredThanAllowedForAGatedJudgeIsAnInfrastructureFailure() async throws {
        let scene = try JudgeScene()
        do {
            _ = try await offPool { try scene.run(baseline: ["VERDICT: PASS", "VERDICT: PASS"], candidate: ["VERDICT: PASS", "no verdict here"], judges: """
                judges:
                  - {name: strict, kind: rubric, model: "endpoint:judge", \(echoTemplate), \(freeText)}

                """, gates: "gates:\n  judge:strict: {floor: 50}\n") }
            Issue.record("the run reached a decision with an unscored verdict on a gated judge")
        } catch let failure as InfrastructureFailure {
            #expect(failure.message.contains("judge strict left 1 of 4 verdicts on replies unscored"), "\(failure.message)")
            #expect(failure.message.contains("max_unscored of 0"))
        }
        // The verdicts were stored before the run stopped, raw output included.
        let store = try TollgateStore(path: scene.storePath)
        let rows = try store.evaluations(runID: 2).compactMap(\.id).flatMap { try store.judgeVerdicts(judgeEvaluationID: $0) }
        #expect(rows.filter { $0.state == "unscored" }.map(\.rawOutput) == ["no verdict here"])
    }

    @Test func aJudgeThatAlwaysPrefersTheFirstPositionTiesEverywhere() async throws {
        let scene = try JudgeScene()
        let outcome = try await offPool { try scene.run(baseline: ["short", "plain", "brief", "terse"], candidate: ["good and long", "good too", "meh", "good"], judges: """
            judges:
              - {name: first, kind: pairwise, model: "endpoint:judge", template: "ANSWER:VERDICT: A\\n{{ answer_a }} / {{ answer_b }}", \(freeText)}
              - name: fair
                kind: pairwise
                model: "endpoint:judge"
                \(freeText)
                template: "ANSWER:VERDICT: {% if 'good' in answer_a %}A{% elif 'good' in answer_b %}B{% else %}TIE{% endif %}"

            """) }
        let reports = try #require(outcome.report.judges)
        let first = try #require(reports.first { $0.name == "first" }), fair = try #require(reports.first { $0.name == "fair" })
        #expect(first.positionConsistency == 0 && first.ties == 4 && first.candidate == 50 && first.baseline == 50)
        #expect(first.unscored == 0 && first.judgedCalls == 8)
        // A judge that follows the content, not the position: consistent everywhere, the candidate wins 3 and ties 1.
        #expect(fair.positionConsistency == 1 && fair.ties == 1)
        #expect(fair.candidate == 87.5 && fair.baseline == 12.5)
        let rows = try scene.verdicts(outcome, judge: "first")
        #expect(Set(rows.map(\.position)) == ["ab", "ba"] && rows.allSatisfy { $0.label == "A" })
    }

    @Test func rateLimitsAndServerErrorsAreWaitedOutAndAReRunMakesNoJudgeCalls() async throws {
        let scene = try JudgeScene(judgeScript: ["429:1", "500", "503", "429ms:200"])
        let judges = """
            judges:
              - {name: echo, kind: rubric, model: "endpoint:judge", \(echoTemplate), \(freeText)}
              - {name: twin, kind: rubric, model: "endpoint:judge", \(echoTemplate), \(freeText)}

            """
        let answers = ["VERDICT: PASS", "VERDICT: FAIL", "VERDICT: PASS"]
        let outcome = try await offPool { try scene.run(baseline: answers, candidate: answers.reversed(), judges: judges,
                                    gates: "gates:\n  judge:echo: {floor: 0}\n") }
        let reports = try #require(outcome.report.judges)
        #expect(reports.allSatisfy { $0.unscored == 0 && $0.calls == 6 && $0.cachedCalls == 0 })
        var stats = try scene.judge.stats()
        // 12 calls answered (6 per judge), 4 refused first and retried.
        #expect(stats.requests == 12 + 4)
        // Two judges with the same model and template send the same bodies; the second was not served
        // the first's verdicts from the cache (else 6 + 4 requests).

        // The identical run again: every judge verdict comes from the cache, no request reaches the judge.
        let again = try await offPool { try scene.run(baseline: answers, candidate: answers.reversed(), judges: judges,
                                  gates: "gates:\n  judge:echo: {floor: 0}\n") }
        stats = try scene.judge.stats()
        #expect(stats.requests == 16)
        let cached = try #require(again.report.judges)
        #expect(cached.allSatisfy { $0.cachedCalls == 6 })
        // The report's judge cost is the calls' price, cached or not: 6 calls × (11 × $100 + 3 × $200) per million tokens.
        #expect(cached.allSatisfy { abs(($0.costUSD ?? 0) - 6 * 1700 / 1e6) < 1e-12 })
        #expect(cached.map(\.candidate) == reports.map(\.candidate))
        #expect(try scene.verdicts(again, judge: "echo").map(\.label) == scene.verdicts(outcome, judge: "echo").map(\.label))

        // Another judged answer is another request: one new candidate answer, one new call per judge.
        _ = try await offPool { try scene.run(baseline: answers, candidate: ["VERDICT: FAIL.", "VERDICT: FAIL", "VERDICT: PASS"], judges: judges,
                          gates: "gates:\n  judge:echo: {floor: 0}\n") }
        #expect(try scene.judge.stats().requests == 16 + 2)
    }

    @Test func belowMinKappaTheJudgesRuleIsAdvisory() async throws {
        let scene = try JudgeScene()
        // People's verdicts on six fixed answers; the judge reads the verdict written in each answer.
        let calibration = scene.directory.appendingPathComponent("calibration.jsonl").path
        let items: [(String, String)] = [("VERDICT: PASS", "pass"), ("VERDICT: PASS", "pass"), ("VERDICT: FAIL", "fail"),
                                         ("VERDICT: PASS", "fail"), ("VERDICT: FAIL", "pass"), ("VERDICT: FAIL", "fail"),
                                         ("no verdict", "pass")]
        let lines = try items.enumerated().map { index, item in
            String(decoding: try JSONSerialization.data(withJSONObject: ["id": "q\(index % 2 + 1)", "answer": item.0, "human": item.1],
                                                        options: [.sortedKeys]), as: UTF8.self)
        }
        try lines.joined(separator: "\n").write(toFile: calibration, atomically: true, encoding: .utf8)
        let judges = """
            judges:
              - {name: cal, kind: rubric, model: "endpoint:judge", \(echoTemplate), \(freeText), calibration: "\(calibration)", min_kappa: 0.5, max_unscored: 0}

            """
        let outcome = try await offPool { try scene.run(baseline: ["VERDICT: PASS", "VERDICT: PASS"], candidate: ["VERDICT: FAIL", "VERDICT: FAIL"],
                                    judges: judges, gates: "gates:\n  em: {floor: 0}\n  judge:cal: {floor: 90}\n") }
        let report = try #require(outcome.report.judges?.first)
        let agreement = try #require(report.agreement)
        // Judge PASS PASS FAIL PASS FAIL FAIL against people PASS PASS FAIL FAIL PASS FAIL: 4 of 6 agree, κ = 1/3.
        #expect(agreement.items == 6 && abs(agreement.rawAgreement - 4.0 / 6) < 1e-12 && report.calibrationUnscored == 1)
        #expect(abs((agreement.kappa ?? 0) - 1.0 / 3) < 1e-12 && agreement.baseRate == 0.5)
        #expect(report.advisory)
        // The candidate fails judge:cal's floor, yet the rule may not decide: GO on em alone.
        #expect(report.candidate == 0)
        #expect(outcome.decision.verdict == .go)
        #expect(!outcome.decision.outcomes.contains { $0.metric == "judge:cal" })
        let markdown = try String(contentsOfFile: try #require(outcome.reportPaths.first { $0.hasSuffix(".md") }), encoding: .utf8)
        #expect(markdown.contains("is advisory on replies") && markdown.contains("below its min_kappa"))
    }

    @Test func judgeDefinitionsAreCheckedWithTheKeyNamed() throws {
        let base = "name: x\nmodel: m.gguf\neval_sets: [{name: s, dataset: h.jsonl}]\n"
        let cases: [(String, String)] = [
            ("judges:\n  - {name: a, kind: rubrik, model: m.gguf, rubric: r}\n", "kind"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf}\n", "rubric"),
            ("judges:\n  - {name: a, kind: rubric, model: endpoint:nowhere, rubric: r}\n", "model"),
            ("judges:\n  - {name: a, kind: pairwise, model: m.gguf, scale: 5}\n", "scale"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, scale: 11}\n", "scale"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, min_kappa: 0.4}\n", "min_kappa"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, eval_sets: [t]}\n", "eval_sets"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, max_unscored: -1}\n", "max_unscored"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r}\n  - {name: a, kind: pairwise, model: m.gguf}\n", "name"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r}\ngates:\n  judge:b: {floor: 1}\n", "judge:b"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, constrain: json_schema}\n", "constrain"),
            ("judges:\n  - {name: a, kind: rubric, model: m.gguf, rubric: r, constrain: grammar}\n", "constrain"),
        ]
        for (block, key) in cases {
            do {
                _ = try ExperimentFile.parse(yaml: base + block, file: "x.yaml")
                Issue.record("parsed: \(block)")
            } catch let error as ExperimentFileError {
                #expect(error.key.contains(key), "\(block): \(error.errorDescription ?? "")")
            }
        }
        let parsed = try ExperimentFile.parse(yaml: base + """
            judges:
              - {name: a, kind: rubric, model: m.gguf, rubric: r, scale: 5, with_reference: true, decoding: {max_tokens: 64, seed: 3}}
            gates:
              judge:a: {floor: 50}

            """, file: "x.yaml")
        #expect(parsed.judges.first?.scalePoints == 5 && parsed.judges.first?.labels == ["1", "2", "3", "4", "5"])
        #expect(parsed.judges.first?.maxTokens == 64 && parsed.judges.first?.seed == 3 && parsed.gates.first?.metric == "judge:a")
        #expect(parsed.judges.first?.constrain == .off)
    }
}
