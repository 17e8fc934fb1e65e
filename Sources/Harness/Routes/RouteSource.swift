import Corpus
import Endpoints
import Foundation
import Store

/// A route as an evaluation sees it: one answer source made of member sources tried in order. An
/// example goes to the first member; when that member fails in a way the failover policy lists
/// (or a drill injects such a failure), the next member gets it, and so on. Every try is a
/// `route_step` row; an example no member answered gets a failure and no prediction.
///
/// Answers are cached under the member that gave them, by the key that member's own evaluation
/// uses, so an identical re-run (or a drill after the undisturbed route) sends no request for an
/// answer any member already gave. Members are made ready only when they must answer, so a member
/// that is down costs the route a failover, not the run.
final class RouteSource: AnswerSource {
    /// `request_failure.kind` and step kind of a drill's failure.
    static let injectedKind = "injected"

    let spec: RouteSpec
    let members: [AnswerSource]
    private let store: TollgateStore
    private let decodingJSON: String
    private let useCache: Bool
    private let cpuHourPrice: Double
    /// Per member: nil until asked to prepare, then nil error (ready) or why it is not.
    private var readiness: [Result<Void, InfrastructureFailure>?]
    private var pendingSteps: [Int: [RouteStepRecord]] = [:]
    private(set) var stopReason: String?

    init(spec: RouteSpec, request: EvaluationRequest) throws {
        self.spec = spec
        members = try spec.members.map { member in
            if var endpoint = member.endpoint {
                endpoint.retries = spec.failover.afterRetries
                return try EndpointSource(config: endpoint, decoding: request.decoding, budget: request.budget,
                                          environment: request.environment)
            }
            return try LocalModelSource(modelPath: member.modelPath ?? request.modelPath, adapterPath: member.adapterPath,
                                        decoding: request.decoding, batchSize: request.batchSize)
        }
        store = try TollgateStore(path: request.storePath)
        decodingJSON = request.decoding.canonicalJSON
        useCache = request.useCache
        cpuHourPrice = request.cpuHourPrice
        readiness = Array(repeating: nil, count: spec.members.count)
    }

    var displayName: String { spec.displayName }

    var modelRecord: ModelRecord {
        let sha = RouteSpec.sha256(memberSHA256s: members.map { ($0.modelRecord.sha256, $0.adapterRecord?.sha256) },
                                   failover: spec.failover, injection: spec.injection)
        return ModelRecord(path: displayName, sha256: sha, architecture: RouteSpec.architecture, quantization: "route",
                           parameterCount: 0)
    }

    var adapterRecord: AdapterRecord? { nil }

    /// The primary's request: what the route sends first.
    func requestText(for example: Example) throws -> String { try members[0].requestText(for: example) }

    /// Nothing: members are made ready when an example first needs them (see `ready`).
    func prepare() throws {}

    var usesEvaluationCache: Bool { false }

    func takeRouteSteps(for indices: [Int], evaluationID: Int64) -> [RouteStepRecord] {
        indices.flatMap { index -> [RouteStepRecord] in
            let steps = pendingSteps.removeValue(forKey: index) ?? []
            return steps.map { var step = $0; step.evaluationID = evaluationID; return step }
        }
    }

    func answer(indices: [Int], examples: [Example], requestTexts: [String],
                deliver: ([(index: Int, outcome: SourceOutcome)]) throws -> Void) throws {
        var trail = RouteTrail()
        var waiting = indices
        for (position, member) in members.enumerated() where !waiting.isEmpty && stopReason == nil {
            let name = spec.members[position].name
            let isLast = position == members.count - 1
            var failedHere: [(index: Int, kind: String, status: Int?, message: String, retries: Int, seconds: Double)] = []

            // 1. A drill's failures, decided before anything is sent.
            var ask: [Int] = []
            for index in waiting {
                if let injection = spec.injection, injection.member == name, injection.fails(exampleIndex: index) {
                    failedHere.append((index, Self.injectedKind, injection.status,
                                       "\(name): \(injection.description), injected by drill \(spec.drill ?? "")", 0, 0))
                } else {
                    ask.append(index)
                }
            }

            // 2. Answers this member gave before (its own evaluation, an earlier route run).
            let texts = try Dictionary(uniqueKeysWithValues: ask.map { ($0, try member.requestText(for: examples[$0])) })
            let keys = texts.mapValues {
                SHA256.generationKey(modelSHA256: member.modelRecord.sha256, adapterSHA256: member.adapterRecord?.sha256,
                                     decodingJSON: decodingJSON, prompt: $0)
            }
            let cached = useCache ? try store.cachedGenerations(keys: Array(keys.values)) : [:]
            let hits = ask.filter { cached[keys[$0]!] != nil }
            if !hits.isEmpty {
                try settle(hits.map { index in (index, cachedAnswer(cached[keys[index]!]!, member: position)) },
                           position: position, trail: &trail, fromCache: true, deliver: deliver)
            }

            // 3. The rest from the member itself, once it is ready.
            let misses = ask.filter { cached[keys[$0]!] == nil }
            if !misses.isEmpty {
                if case .failure(let why) = try ready(position) {
                    failedHere += misses.map { ($0, ChatFailure.Kind.unreachable.rawValue, nil, why.message, 0, 0) }
                } else {
                    let orderedTexts = examples.indices.map { texts[$0] ?? "" }
                    try member.answer(indices: misses, examples: examples, requestTexts: orderedTexts) { batch in
                        var answered: [(Int, SourceAnswer)] = [], cacheRows: [GenerationCacheRecord] = []
                        for (index, outcome) in batch {
                            switch outcome {
                            case .answered(var answer):
                                if answer.costUSD == nil && spec.members[position].endpoint == nil {
                                    answer.costUSD = answer.cpuSeconds / 3600 * cpuHourPrice
                                }
                                answered.append((index, answer))
                                cacheRows.append(GenerationCacheRecord(
                                    key: keys[index]!, output: answer.text, outputIDs: answer.ids,
                                    promptTokens: answer.promptTokens ?? 0, completionTokens: answer.completionTokens ?? 0,
                                    seconds: answer.latencySeconds, cpuSeconds: answer.cpuSeconds,
                                    finishReason: answer.finishReason,
                                    usageReported: answer.promptTokens != nil && answer.completionTokens != nil))
                            case let .failed(kind, status, message, retries, seconds):
                                failedHere.append((index, kind, status, "\(name): \(message)", retries, seconds))
                            }
                        }
                        try store.storeGenerations(cacheRows)
                        try settle(answered, position: position, trail: &trail, fromCache: false, deliver: deliver)
                    }
                }
                if let endpoint = member as? EndpointSource, endpoint.budgetReached { stopReason = endpoint.stopReason }
            }

            // 4. Failures: on to the next member when the policy says so, else unanswered.
            var unanswered: [(index: Int, outcome: SourceOutcome)] = []
            waiting = []
            for failure in failedHere.sorted(by: { $0.index < $1.index }) {
                let injected = failure.kind == Self.injectedKind
                trail.add(failure.index, RouteStepRecord(
                    evaluationID: 0, exampleIndex: failure.index, position: position, member: name,
                    outcome: injected ? .injected : .failed, kind: failure.kind, httpStatus: failure.status,
                    seconds: failure.seconds), message: failure.message)
                let condition = FailoverCondition.of(kind: failure.kind, httpStatus: failure.status)
                if !isLast && stopReason == nil && spec.failover.failsOver(condition) {
                    waiting.append(failure.index)
                } else {
                    unanswered.append((failure.index, .failed(
                        kind: failure.kind, httpStatus: failure.status,
                        message: "\(displayName): no member answered (" + trail.messages(failure.index).joined(separator: "; ") + ")",
                        retries: failure.retries, seconds: trail.lostSeconds(failure.index))))
                }
            }
            pendingSteps.merge(trail.take(unanswered.map(\.index))) { $1 }
            if !unanswered.isEmpty { try deliver(unanswered) }
        }
        // Examples a stopped run did not get to (a spending budget was reached).
        if !waiting.isEmpty {
            pendingSteps.merge(trail.take(waiting)) { $1 }
            try deliver(waiting.map { ($0, .failed(kind: ChatFailure.Kind.notSent.rawValue, httpStatus: nil,
                                                    message: "not sent: \(stopReason ?? "the run stopped")", retries: 0)) })
        }
    }

    /// Answers given by the member at `position`: each becomes the route's answer, its latency the
    /// member's plus the time lost on the members before it.
    private func settle(_ answers: [(Int, SourceAnswer)], position: Int, trail: inout RouteTrail, fromCache: Bool,
                        deliver: ([(index: Int, outcome: SourceOutcome)]) throws -> Void) throws {
        var outcomes: [(index: Int, outcome: SourceOutcome)] = []
        for (index, answer) in answers {
            trail.add(index, RouteStepRecord(evaluationID: 0, exampleIndex: index, position: position,
                                             member: spec.members[position].name, outcome: .answered,
                                             seconds: fromCache ? 0 : answer.latencySeconds, fromCache: fromCache), message: nil)
            var routed = answer
            routed.latencySeconds += trail.lostSeconds(index)
            routed.fromCache = fromCache
            outcomes.append((index, .answered(routed)))
        }
        pendingSteps.merge(trail.take(answers.map(\.0))) { $1 }
        if !outcomes.isEmpty { try deliver(outcomes) }
    }

    /// A cached generation as the member's answer, priced as the member prices it.
    private func cachedAnswer(_ hit: GenerationCacheRecord, member position: Int) -> SourceAnswer {
        let promptTokens = hit.usageReported ? hit.promptTokens : nil
        let completionTokens = hit.usageReported ? hit.completionTokens : nil
        let cost = spec.members[position].endpoint.map { $0.price?.cost(promptTokens: promptTokens, completionTokens: completionTokens) }
            ?? hit.cpuSeconds / 3600 * cpuHourPrice
        return SourceAnswer(text: hit.output, ids: hit.outputIDs, promptTokens: promptTokens, completionTokens: completionTokens,
                            latencySeconds: hit.seconds, finishReason: hit.finishReason, cpuSeconds: hit.cpuSeconds,
                            costUSD: cost)
    }

    /// Prepares the member at `position` once; an unreachable endpoint is a failover, not an error
    /// of the run (a model that cannot load still is: that is bad input).
    private func ready(_ position: Int) throws -> Result<Void, InfrastructureFailure> {
        if let known = readiness[position] { return known }
        let result: Result<Void, InfrastructureFailure>
        do {
            try members[position].prepare()
            result = .success(())
        } catch let failure as InfrastructureFailure {
            result = .failure(InfrastructureFailure(message: "\(spec.members[position].name): \(failure.message)"))
        }
        readiness[position] = result
        return result
    }
}

/// The steps of examples still in flight through a route, and what each failure said.
struct RouteTrail {
    private var steps: [Int: [RouteStepRecord]] = [:]
    private var failureMessages: [Int: [String]] = [:]

    mutating func add(_ index: Int, _ step: RouteStepRecord, message: String?) {
        steps[index, default: []].append(step)
        if let message { failureMessages[index, default: []].append(message) }
    }

    /// Seconds spent on members that failed this example.
    func lostSeconds(_ index: Int) -> Double {
        (steps[index] ?? []).filter { $0.outcome != .answered }.map(\.seconds).reduce(0, +)
    }

    func messages(_ index: Int) -> [String] { failureMessages[index] ?? [] }

    /// Removes and returns the steps of settled examples.
    mutating func take(_ indices: [Int]) -> [Int: [RouteStepRecord]] {
        var taken: [Int: [RouteStepRecord]] = [:]
        for index in indices {
            taken[index] = steps.removeValue(forKey: index) ?? []
            failureMessages.removeValue(forKey: index)
        }
        return taken
    }
}
