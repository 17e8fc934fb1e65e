import Harness
import Testing

/// Every documented verdict form is read, and everything else is unscored with its reason — never
/// a pass or a fail (`JudgeVerdictParser`).
struct JudgeVerdictParserTests {
    static let passFail = ["FAIL", "PASS"]

    @Test(arguments: [
        ("VERDICT: PASS", ["FAIL", "PASS"], "PASS"),
        ("VERDICT: FAIL", ["FAIL", "PASS"], "FAIL"),
        ("verdict: pass", ["FAIL", "PASS"], "PASS"),
        ("**VERDICT: PASS**", ["FAIL", "PASS"], "PASS"),
        ("VERDICT: **FAIL**.", ["FAIL", "PASS"], "FAIL"),
        ("The reply greets the customer.\nIt gives the policy.\n  VERDICT: PASS  \n", ["FAIL", "PASS"], "PASS"),
        ("VERDICT: PASS\nOn second thought the order number is wrong.\nVERDICT: FAIL", ["FAIL", "PASS"], "FAIL"),
        ("VERDICT: 4", ["1", "2", "3", "4", "5"], "4"),
        ("Solid.\nVERDICT: 5/5", ["1", "2", "3", "4", "5"], "5"),
        ("VERDICT: CONSISTENT", ["INCONSISTENT", "CONSISTENT"], "CONSISTENT"),
        ("VERDICT: inconsistent", ["INCONSISTENT", "CONSISTENT"], "INCONSISTENT"),
        ("Reply B is clearer.\nVERDICT: B", ["A", "B", "TIE"], "B"),
        ("VERDICT: tie", ["A", "B", "TIE"], "TIE"),
    ])
    func documentedFormsAreScored(_ output: String, _ labels: [String], _ expected: String) {
        #expect(JudgeVerdictParser.parse(output, labels: labels, finishReason: "stop", hitTokenLimit: false) == .scored(label: expected))
    }

    @Test func aCutOutputIsReadFromItsCompleteLinesOnly() {
        // The verdict line ended before the cut: read. The cut line itself never counts.
        #expect(JudgeVerdictParser.parse("VerdICT: FAIL\nReference: You can ret", labels: Self.passFail, finishReason: "length",
                                         hitTokenLimit: true) == .scored(label: "FAIL"))
        #expect(JudgeVerdictParser.parse("VERDICT: PASS\nVERDICT: FA", labels: Self.passFail, finishReason: "length",
                                         hitTokenLimit: true) == .scored(label: "PASS"))
        #expect(JudgeVerdictParser.parse("VERDICT: 1", labels: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"], finishReason: nil,
                                         hitTokenLimit: true) == .unscored(reason: "truncated at the token limit before a complete VERDICT line"))
    }

    @Test(arguments: [
        ("", "stop", false, "empty output"),
        ("   \n ", nil, false, "empty output"),
        ("PASS", "stop", false, "no VERDICT line"),
        ("The reply passes.", "stop", false, "no VERDICT line"),
        ("I'm sorry, I can't evaluate this reply.", "stop", false, "no VERDICT line"),
        ("VERDICT: MAYBE", "stop", false, "is not one of"),
        ("VERDICT:", "stop", false, "is not one of"),
        ("VERDICT: PASS OR FAIL", "stop", false, "is not one of"),
        ("VERDICT: PASS", "length", false, "truncated"),
        ("VERDICT: 1", "length", false, "truncated"),
        ("Let me think step by step about the rep", nil, true, "truncated"),
        ("", "content_filter", false, "refused"),
        ("VERDICT: PASS", "content_filter", false, "refused"),
        ("VERDICT: PASS\nVERDICT: PERHAPS", "stop", false, "is not one of"),
    ])
    func everythingElseIsUnscored(_ output: String, _ finish: String?, _ hitLimit: Bool, _ reason: String) {
        let outcome = JudgeVerdictParser.parse(output, labels: Self.passFail, finishReason: finish, hitTokenLimit: hitLimit)
        guard case .unscored(let why) = outcome else {
            Issue.record("\(output.debugDescription) was scored: \(outcome)")
            return
        }
        #expect(why.contains(reason), "\(why)")
    }

    @Test func aScoreOffTheScaleIsUnscored() {
        let labels = ["1", "2", "3", "4", "5"]
        for output in ["VERDICT: 6", "VERDICT: 0", "VERDICT: 4.5", "VERDICT: 4/10", "VERDICT: four"] {
            #expect(JudgeVerdictParser.parse(output, labels: labels, finishReason: "stop", hitTokenLimit: false) != .scored(label: "4"),
                    "\(output)")
            if case .scored = JudgeVerdictParser.parse(output, labels: labels, finishReason: "stop", hitTokenLimit: false) {
                Issue.record("\(output) was scored")
            }
        }
    }

    @Test(arguments: [
        (#"{"verdict": "PASS"}"#, ["FAIL", "PASS"], "PASS"),
        (#" { "verdict":"FAIL" }"# + "\n", ["FAIL", "PASS"], "FAIL"),
        (#"{"verdict": 4}"#, ["1", "2", "3", "4", "5"], "4"),
        (#"{"verdict": "4"}"#, ["1", "2", "3", "4", "5"], "4"),
        (#"{"verdict": "TIE"}"#, ["A", "B", "TIE"], "TIE"),
    ])
    func theJSONFormOfAConstrainedJudgeIsScored(_ output: String, _ labels: [String], _ expected: String) {
        #expect(JudgeVerdictParser.parse(output, labels: labels, finishReason: "stop", hitTokenLimit: false, json: true)
                == .scored(label: expected))
    }

    @Test(arguments: [
        (#"{"verdict": "PASS""#, "stop", "malformed JSON verdict"),
        ("VERDICT: PASS", "stop", "malformed JSON verdict"),
        (#"{"verdict": "PASS"} because it is right"#, "stop", "malformed JSON verdict"),
        (#"{"answer": "PASS"}"#, "stop", "malformed JSON verdict"),
        (#"{"verdict": true}"#, "stop", "malformed JSON verdict"),
        (#"{"verdict": "pass"}"#, "stop", "is not one of"),
        (#"{"verdict": "MAYBE"}"#, "stop", "is not one of"),
        (#"{"verdict": "PA"#, "length", "truncated at the token limit"),
        (#"{"verdict": "PASS"}"#, "content_filter", "refused"),
        ("", "stop", "empty output"),
    ])
    func aConstrainedJudgeOutsideTheJSONFormIsUnscored(_ output: String, _ finish: String, _ reason: String) {
        let outcome = JudgeVerdictParser.parse(output, labels: Self.passFail, finishReason: finish, hitTokenLimit: false, json: true)
        guard case .unscored(let why) = outcome else {
            Issue.record("\(output) was \(outcome)")
            return
        }
        #expect(why.contains(reason), "\(output): \(why)")
    }
}
