import Foundation
import Harness
import Store
import Testing
import TestSupport

/// The bundled judge experiment (`Experiments/support-replies-judges.yaml`) end to end with
/// llama.cpp's server as the judge (SmolLM2, greedy) on a slice: the base SmolLM2's replies at 48
/// tokens (candidate) against its own replies cut at 12 tokens (a pinned baseline), judged by the
/// bundled rubric and pairwise judges (constrained to a JSON verdict), with κ against the first
/// bundled reference verdicts.
@Suite(.serialized, .enabled(if: LlamaCppServer.testsEnabled && Fixtures.smolLM2 != nil))
final class JudgeLlamaCppTests {
    let directory: URL
    let root = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("judge-llama-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The bundled experiment cut to `limit` holdout examples and `calibrationLines` reference
    /// verdicts, candidate = the base model, baseline pinned to its 12-token replies in `store`.
    func slice(store: String, limit: Int, calibrationLines: Int, judgeURL: String?) throws -> ExperimentFile {
        var experiment = try ExperimentFile.load(path: root.appendingPathComponent("Experiments/support-replies-judges.yaml").path)
        experiment.training = nil
        experiment.evalSets[0].dataset = root.appendingPathComponent(experiment.evalSets[0].dataset).path
        experiment.evalSets[0].limit = limit
        experiment.model = Fixtures.smolLM2!.path
        if let judgeURL { experiment.endpoints[0].baseURL = judgeURL }
        let calibration = directory.appendingPathComponent("calibration.jsonl")
        let lines = try String(contentsOf: root.appendingPathComponent("Datasets/support-replies/judge-calibration.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(calibrationLines)
        try (lines.joined(separator: "\n") + "\n").write(to: calibration, atomically: true, encoding: .utf8)
        experiment.judges[0].calibration = calibration.path

        var request = EvaluationRequest(modelPath: experiment.model, dataPath: experiment.evalSets[0].dataset)
        request.storePath = store
        request.limit = limit
        request.metrics = [.bleu, .chrf]
        request.decoding.maxTokens = 12
        experiment.baseline = .pinned(String(try Evaluator.run(request).evaluationID))
        return experiment
    }

    @Test func bundledJudgesRunEndToEndWithLlamaCppAsTheJudge() async throws {
        let server = try LlamaCppServer(model: Fixtures.smolLM2!)
        defer { server.stop() }
        let store = directory.appendingPathComponent("tollgate.db").path
        let reports = directory.appendingPathComponent("reports").path
        let (outcome, lines) = try await offPool { () -> (ExperimentOutcome, [String]) in
            let experiment = try self.slice(store: store, limit: 3, calibrationLines: 6, judgeURL: server.baseURL)
            var lines: [String] = []
            let outcome = try ExperimentRunner.run(experiment: experiment, storePath: store, reportsDirectory: reports,
                                                   commandLine: "test") { lines.append($0) }
            return (outcome, lines)
        }
        let judges = try #require(outcome.report.judges)
        let helpful = try #require(judges.first { $0.name == "helpful" })
        let preferred = try #require(judges.first { $0.name == "preferred" })
        // 3 baseline + 3 candidate + 6 calibration calls; 3 pairs judged in both orders.
        #expect(helpful.calls == 12 && helpful.judgedCalls == 6 && preferred.calls == 6 && preferred.judgedCalls == 6)
        #expect(helpful.cachedCalls == 0 && preferred.cachedCalls == 0)
        // Every verdict is scored with a label or unscored with a reason, and the report's counts are the store's.
        let store_ = try TollgateStore(path: store)
        let verdicts = try store_.evaluations(runID: outcome.runID).compactMap(\.id).flatMap { try store_.judgeVerdicts(judgeEvaluationID: $0) }
        #expect(verdicts.count == 18)
        #expect(verdicts.allSatisfy { ($0.state == "scored") == ($0.label != nil) && ($0.state == "unscored") == ($0.unscoredReason != nil) })
        for report in [helpful, preferred] {
            let judged = verdicts.filter { $0.judge == report.name && $0.position != "calibration" }
            #expect(report.unscored == judged.filter { $0.state == "unscored" }.count, "\(lines)")
        }
        // The server held the judge to {"verdict": …} (llama-cpp-python's json_object schema): every verdict is read.
        #expect(verdicts.allSatisfy { $0.state == "scored" }, "\(verdicts.filter { $0.state == "unscored" }.map(\.rawOutput))")
        // κ against the first 6 bundled reference verdicts, and the position consistency of the 3 pairs.
        let agreement = try #require(helpful.agreement, "no calibration verdict was readable: \(lines)")
        #expect(agreement.items == 6 && helpful.calibrationUnscored == 0)
        let consistency = try #require(preferred.positionConsistency, "\(lines)")
        #expect(abs(consistency * 3 - (consistency * 3).rounded()) < 1e-9 && (preferred.ties ?? -1) >= 3 - Int((consistency * 3).rounded()))
        // The server reports usage, so the judges' price is known.
        #expect((helpful.costUSD ?? 0) > 0 && (preferred.costUSD ?? 0) > 0)
        let markdown = try String(contentsOfFile: try #require(outcome.reportPaths.first { $0.hasSuffix(".md") }), encoding: .utf8)
        #expect(markdown.contains("## Judges") && markdown.contains("(rubric, endpoint judge)") && markdown.contains("(pairwise, endpoint judge)"))
        #expect(markdown.contains("κ vs people") && markdown.contains("(n = \(agreement.items))") && markdown.contains("position consistency"))
    }

    @Test func aLocalJudgesVerdictsAreTheSameInTwoRunsWithTheSameSeed() async throws {
        var runs: [[String]] = []
        for attempt in 0..<2 {
            // A fresh store each time, so nothing comes from the cache.
            let store = directory.appendingPathComponent("local-\(attempt).db").path
            let reports = directory.appendingPathComponent("reports-\(attempt)").path
            let outcome = try await offPool { () -> ExperimentOutcome in
                var experiment = try self.slice(store: store, limit: 2, calibrationLines: 2, judgeURL: nil)
                experiment.judges = [experiment.judges[0]]
                experiment.judges[0].model = Fixtures.smolLM2!.path
                // A GGUF judge writes free text (no server to constrain it): its raw outputs, read or not, are compared.
                experiment.judges[0].constrain = .off
                experiment.judges[0].maxUnscored = 6
                experiment.gates.removeAll { $0.metric == "judge:preferred" }
                return try ExperimentRunner.run(experiment: experiment, storePath: store, reportsDirectory: reports,
                                                commandLine: "test", log: { _ in })
            }
            #expect(outcome.report.judges?.first?.cachedCalls == 0)
            let rows = try TollgateStore(path: store).evaluations(runID: outcome.runID).compactMap(\.id)
                .flatMap { try TollgateStore(path: store).judgeVerdicts(judgeEvaluationID: $0) }
            #expect(rows.count == 6)
            runs.append(rows.map { "\($0.position) \($0.exampleIndex) \($0.state) \($0.label ?? "-") \($0.rawOutput)" })
        }
        #expect(runs[0] == runs[1])
    }
}
