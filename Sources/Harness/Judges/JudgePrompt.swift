import Corpus
import Foundation
import Templates

/// The judge's message, rendered by the sandboxed Jinja interpreter from the judge's template (or
/// its kind's default below) with these variables:
///
///     question       the judged example's prompt (its user turns, joined by blank lines)
///     answer         the answer judged (rubric, reference)
///     reference      the example's first reference
///     answer_a, answer_b   the two answers of a pairwise call, in the order shown
///     rubric         the judge's criterion          scale    "pass_fail" or the number of points
///     verdict_form   the sentence that asks for the verdict line, or the JSON object of a
///                    constrained judge (always append it)
///
/// The defaults follow Inspect's `model_graded_qa`/`model_graded_fact` and MT-Bench's pairwise
/// prompt (which asks the judge to ignore order and length), with a `VERDICT:` line as the answer form.
struct JudgePrompt {
    let plan: JudgePlan
    let template: JinjaTemplate

    /// Parses the judge's template (its file is read here); a bad template is bad input (exit 2).
    init(_ plan: JudgePlan) throws {
        self.plan = plan
        var source = plan.template ?? JudgePrompt.defaultTemplate(plan.kind)
        if let file = plan.templateFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw JudgeError.badTemplate(judge: plan.name, reason: "its template_file \(file) cannot be read")
            }
            source = text
        }
        do {
            template = try JinjaTemplate(source: source, name: "judge \(plan.name)")
        } catch {
            throw JudgeError.badTemplate(judge: plan.name, reason: String(describing: error))
        }
    }

    /// The line every judge prompt ends with: how to write the verdict (a constrained judge's JSON form).
    var verdictForm: String {
        if plan.constrain != .off {
            let menu = plan.labels.map { #"{"verdict": "\#($0)"}"# }
            return "Answer with only a JSON object: " + menu.dropLast().joined(separator: ", ") + " or " + menu.last! + "."
        }
        switch (plan.kind, plan.scalePoints) {
        case (.rubric, nil):
            return "Think it through in a few sentences, then end with one line of the form VERDICT: PASS or VERDICT: FAIL."
        case (.rubric, .some(let points)):
            return "Think it through in a few sentences, then end with one line of the form VERDICT: N, where N is a whole number from 1 (worst) to \(points) (best)."
        case (.reference, _):
            return "Think it through in a few sentences, then end with one line of the form VERDICT: CONSISTENT or VERDICT: INCONSISTENT."
        case (.pairwise, _):
            return "Think it through in a few sentences, then end with one line of the form VERDICT: A, VERDICT: B or VERDICT: TIE."
        }
    }

    /// The message for one answer (rubric, reference).
    func single(example: Example, answer: String) throws -> String {
        try render(example: example, extra: ["answer": .string(answer)])
    }

    /// The message for a pair of answers, `first` shown as A.
    func pair(example: Example, first: String, second: String) throws -> String {
        try render(example: example, extra: ["answer_a": .string(first), "answer_b": .string(second)])
    }

    private func render(example: Example, extra: [String: JinjaValue]) throws -> String {
        let question = (example.promptMessages ?? []).filter { $0.role != "system" }.map(\.content).joined(separator: "\n\n")
        var variables: [String: JinjaValue] = [
            "question": .string(question),
            "reference": .string(example.references.first ?? ""),
            "with_reference": .bool(plan.withReference),
            "rubric": .string(plan.rubric ?? ""),
            "scale": plan.scalePoints.map { .int($0) } ?? .string("pass_fail"),
            "verdict_form": .string(verdictForm),
        ]
        variables.merge(extra) { $1 }
        do {
            // A fixed date: `strftime_now` in a judge template must not change the cache key daily.
            return try template.render(variables, now: Date(timeIntervalSince1970: 0)).text
        } catch {
            throw JudgeError.badTemplate(judge: plan.name, reason: String(describing: error))
        }
    }

    static func defaultTemplate(_ kind: JudgePlan.Kind) -> String {
        switch kind {
        case .rubric:
            return """
                You are assessing a submitted reply to a task against a criterion.
                [BEGIN DATA]
                [Task]: {{ question }}
                {% if with_reference %}[Reference reply]: {{ reference }}
                {% endif %}[Submission]: {{ answer }}
                [Criterion]: {{ rubric }}
                [END DATA]
                Does the submission meet the criterion? {{ verdict_form }}
                """
        case .reference:
            return """
                You are comparing a submitted reply with an expert reply to the same task.
                [BEGIN DATA]
                [Task]: {{ question }}
                [Expert]: {{ reference }}
                [Submission]: {{ answer }}
                [END DATA]
                Is the submission consistent with the expert reply: does it give the same facts and \
                instructions without contradicting them? Ignore differences of style and wording. {{ verdict_form }}
                """
        case .pairwise:
            return """
                Please act as an impartial judge and decide which of two replies to the task below is better.
                Avoid any position bias: the order in which the replies are shown must not influence you.
                Do not let the length of the replies influence you.
                [Task]: {{ question }}
                {% if with_reference %}[Reference reply]: {{ reference }}
                {% endif %}[Reply A]: {{ answer_a }}
                [Reply B]: {{ answer_b }}
                {{ verdict_form }}
                """
        }
    }
}

/// Judge definitions and runs that cannot go on.
public enum JudgeError: LocalizedError, Equatable {
    case badTemplate(judge: String, reason: String)
    case badCalibration(path: String, line: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .badTemplate(judge, reason):
            return "judge \(judge): its prompt template cannot be used (\(reason)); fix the template or remove it to use the default"
        case let .badCalibration(path, line, reason):
            return "\(path):\(line): \(reason); each line must be {\"id\": …, \"answer\": …, \"human\": …} with a verdict from the judge's menu"
        }
    }
}
