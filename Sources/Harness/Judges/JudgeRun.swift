import Corpus
import Foundation
import Store

/// One judge call before it is sent: which answer (or pair) it judges and the rendered message.
struct JudgeCall {
    /// The evaluation whose answer is judged; nil for a calibration answer.
    var judgedEvaluationID: Int64?
    var exampleIndex: Int
    var exampleID: String?
    /// single, ab (baseline shown first), ba (candidate first) or calibration.
    var position: String
    var message: String
}

/// What a run of the judge's calls left: its evaluation, the verdicts (stored) and the spending.
struct JudgeCallResults {
    var judgeEvaluationID: Int64
    /// One per call, in call order.
    var verdicts: [JudgeVerdictRecord]
    var calls: Int
    /// Calls answered from the generation cache or an earlier process (no request made).
    var cachedCalls: Int
    /// Dollars of all the calls at the endpoint's prices (cached ones at what they took when made;
    /// only calls made now are charged to the budget); nil when a price or usage is missing.
    var costUSD: Double?
    /// CPU time of all the calls (a local judge), cached ones as they were measured.
    var cpuSeconds: Double
    var promptTokens: Int
    var completionTokens: Int
}

/// Where and under what limits judges run: the experiment's store, run, spending budget and endpoints.
struct JudgeContext {
    var experiment: ExperimentFile
    var store: TollgateStore
    var runID: Int64
    var budget: SpendingBudget?
    /// False asks the judge again even when the cache holds its verdict (reproducibility checks).
    var useCache = true
}

/// Runs a judge's calls as one evaluation of the judge model — so each call is a stored prediction,
/// cached under the judge's identity (`cacheScope`), its full request and the judged text, sent with
/// the endpoint client's concurrency, retries and 429/5xx waits, and charged to the run's budget —
/// then reads each verdict (`JudgeVerdictParser`) and stores it with the raw output.
enum JudgeRun {
    static func run(_ plan: JudgePlan, calls: [JudgeCall], evalSet: String, context: JudgeContext) throws -> JudgeCallResults {
        let experiment = context.experiment
        let path = "judges/\(plan.name)/\(evalSet.replacingOccurrences(of: "/", with: "-")).jsonl"
        let examples = calls.enumerated().map { index, call in
            Example(id: "\(call.exampleID ?? "#\(call.exampleIndex)")|\(call.position)",
                    body: .promptCompletion(prompt: call.message, completion: nil), references: [], line: index + 1)
        }
        let scope = identity(plan)
        var request = experiment.endpoint(for: plan.model).map { EvaluationRequest(endpoint: $0, dataPath: path) }
            ?? EvaluationRequest(modelPath: plan.model, adapterPath: plan.adapter, dataPath: path)
        request.inlineDataset = DatasetFile(path: path, sha256: SHA256.hex(([scope] + calls.map(\.message)).joined(separator: "\n\u{1}\n")),
                                            examples: examples)
        request.cacheScope = scope
        request.responseFormat = plan.constrain.responseFormat(labels: plan.labels)
        request.metrics = []
        request.decoding = DecodingSettings(maxTokens: plan.maxTokens, temperature: plan.temperature, seed: UInt64(max(0, plan.seed)))
        request.storePath = context.store.path
        request.runID = context.runID
        request.experiment = experiment.name
        request.budget = context.budget
        request.maxErrorRate = experiment.budgets.maxErrorRate
        request.cpuHourPrice = experiment.budgets.cpuHourPrice ?? EvaluationRequest.defaultCPUHourPrice
        request.batchSize = 8
        request.useCache = context.useCache
        let summary = try Evaluator.run(request)

        let predictions = Dictionary(try context.store.predictions(evaluationID: summary.evaluationID).map { ($0.exampleIndex, $0) }) { $1 }
        let failures = Dictionary(try context.store.requestFailures(evaluationID: summary.evaluationID).map { ($0.exampleIndex, $0) }) { $1 }
        var results = JudgeCallResults(judgeEvaluationID: summary.evaluationID, verdicts: [], calls: calls.count, cachedCalls: 0,
                                       costUSD: 0, cpuSeconds: 0, promptTokens: 0, completionTokens: 0)
        for (index, call) in calls.enumerated() {
            var row = JudgeVerdictRecord(runID: context.runID, judge: plan.name, judgeEvaluationID: summary.evaluationID,
                                         callIndex: index, judgedEvaluationID: call.judgedEvaluationID, exampleIndex: call.exampleIndex,
                                         exampleID: call.exampleID, position: call.position, state: "unscored", value: nil, label: nil,
                                         unscoredReason: nil, rawOutput: "")
            guard let prediction = predictions[index] else {
                row.unscoredReason = "the request failed after its retries: " + (failures[index]?.message ?? "no answer")
                results.verdicts.append(row)
                continue
            }
            row.rawOutput = prediction.output
            switch JudgeVerdictParser.parse(prediction.output, labels: plan.labels, finishReason: prediction.finishReason,
                                            hitTokenLimit: prediction.completionTokens >= plan.maxTokens,
                                            json: plan.constrain != .off) {
            case .scored(let label):
                row.state = "scored"
                row.label = label
                row.value = plan.value(of: label)
            case .unscored(let reason):
                row.unscoredReason = reason
            }
            results.verdicts.append(row)
            // Cached calls count at what they took when made: the judge's cost per run, whatever the cache saved.
            if prediction.fromCache { results.cachedCalls += 1 }
            results.promptTokens += prediction.promptTokens
            results.completionTokens += prediction.completionTokens
            results.cpuSeconds += prediction.cpuSeconds
            if let endpoint = request.endpoint {
                let cost = prediction.usageReported
                    ? endpoint.price?.cost(promptTokens: prediction.promptTokens, completionTokens: prediction.completionTokens) : nil
                results.costUSD = cost.flatMap { cost in results.costUSD.map { $0 + cost } }
            }
        }
        if !summary.isEndpoint { results.costUSD = results.cpuSeconds / 3600 * request.cpuHourPrice }
        try context.store.recordJudgeVerdicts(results.verdicts, judgeEvaluationID: summary.evaluationID)
        return results
    }

    /// What makes one judge's verdict differ from another's on the same request: its name, kind,
    /// menu, constraint and the template's text (the model, adapter and decoding are in the key already).
    static func identity(_ plan: JudgePlan) -> String {
        let template = plan.templateFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            ?? plan.template ?? JudgePrompt.defaultTemplate(plan.kind)
        let constraint = plan.constrain == .off ? "" : "|constrain:\(plan.constrain.rawValue)"
        return "judge:\(plan.name)|\(plan.kind.rawValue)|\(plan.labels.joined(separator: ","))\(constraint)|template:\(SHA256.hex(template))"
    }
}
