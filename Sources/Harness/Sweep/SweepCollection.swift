import Foundation
import Gate
import Reports
import Store

/// A trial that left no result, with the end of its log (submitit style: never silently skipped).
public struct MissingTrial: Sendable, Equatable {
    public var trial: Int
    public var settings: String
    /// The Slurm log read, when one was found.
    public var logPath: String?
    public var logTail: [String]
}

/// What `tollgate sweep --collect` ends with.
public struct SweepOutcome: Sendable {
    public var results: [SweepTrialResult]
    public var chosen: Int
    public var gate: ExperimentOutcome
    /// The sweep report (markdown); the gate's own reports are in `gate.reportPaths`.
    public var sweepReportPath: String
}

/// `tollgate sweep --collect`: reads every trial's result, merges the trial stores, picks the
/// trial with the best validation metric and gates its adapter against the baseline as
/// `tollgate run` would (baseline and candidate on the holdout, nothing else), then writes the
/// sweep report.
public enum SweepCollection {
    /// The trials' results, and the trials that have none (a missing result means no decision).
    public static func results(_ experiment: ExperimentFile) throws -> (found: [SweepTrialResult], missing: [MissingTrial]) {
        let trials = try SweepTrial.trials(experiment)
        let layout = SweepLayout(experiment: experiment.name)
        var found: [SweepTrialResult] = [], missing: [MissingTrial] = []
        for (index, settings) in trials.enumerated() {
            if let data = FileManager.default.contents(atPath: layout.trialResult(index)),
               let result = try? JSONDecoder().decode(SweepTrialResult.self, from: data) {
                found.append(result)
            } else {
                let log = latestLog(folder: layout.logFolder, trial: index)
                missing.append(MissingTrial(trial: index, settings: settings.label, logPath: log?.path, logTail: log?.tail ?? []))
            }
        }
        return (found, missing)
    }

    /// The lines that say which trials failed and what to rerun; the CLI prints them and exits 3.
    public static func incompleteMessage(_ experiment: ExperimentFile, path: String, missing: [MissingTrial]) -> String {
        let names = missing.map { String($0.trial) }.joined(separator: ", ")
        return "sweep \(experiment.name): trial\(missing.count == 1 ? "" : "s") \(names) left no result "
            + "(\(SweepLayout(experiment: experiment.name).root)/trials/<K>.json); rerun them with tollgate sweep "
            + "\(path) --trial K (or resubmit those array tasks) and collect again; no decision"
    }

    public static func collect(experiment: ExperimentFile, path: String, storePath: String?, reportsDirectory: String, commandLine: String,
                               log: (String) -> Void) throws -> SweepOutcome {
        let (results, missing) = try results(experiment)
        guard missing.isEmpty else { throw InfrastructureFailure(message: incompleteMessage(experiment, path: path, missing: missing)) }
        let layout = SweepLayout(experiment: experiment.name)
        let store = storePath ?? layout.mergedStore
        let trialStores = results.map { layout.trialStore($0.trial) }
        let merged = try EvaluationMerge.merge(into: store, stores: trialStores)
        log("merged \(trialStores.count) trial stores into \(store) (\(merged.rowsWritten) rows written)")
        let chosen = try choose(results, experiment: experiment)
        let winner = results[chosen]
        log("chosen: trial \(winner.trial) (\(winner.values.map { "\($0.key)=\($0.value)" }.joined(separator: " "))), "
            + "best \(winner.validation.metric) on \(winner.validation.evalSet) = \(String(format: "%.2f", winner.validation.value))")
        var candidate = experiment
        candidate.sweep = nil
        candidate.training = nil
        candidate.adapter = winner.adapter
        let gate = try ExperimentRunner.run(experiment: candidate, storePath: store, reportsDirectory: reportsDirectory,
                                            commandLine: commandLine, log: log)
        let greaterIsBetter = experiment.gates.first { $0.metric == winner.validation.metric }?.greaterIsBetter ?? true
        let markdown = SweepReport(experiment: experiment.name, runID: gate.runID, results: results, chosen: chosen,
                                   greaterIsBetter: greaterIsBetter, decision: gate.decision,
                                   gateReport: gate.reportPaths.first { $0.hasSuffix(".md") }).markdown
        try FileManager.default.createDirectory(atPath: reportsDirectory, withIntermediateDirectories: true)
        let reportPath = (reportsDirectory as NSString).appendingPathComponent("\(ExperimentReport.safeName(experiment.name))-run\(gate.runID)-sweep.md")
        try ReportFile.write(markdown, to: reportPath)
        return SweepOutcome(results: results, chosen: chosen, gate: gate, sweepReportPath: reportPath)
    }

    /// The index in `results` of the best validation value (the gate's direction for the metric;
    /// ties go to the lower trial number). Holdout scores are not read.
    public static func choose(_ results: [SweepTrialResult], experiment: ExperimentFile) throws -> Int {
        guard let metric = results.first?.validation.metric else { throw SweepError(message: "the sweep has no trials") }
        let greaterIsBetter = experiment.gates.first { $0.metric == metric }?.greaterIsBetter ?? true
        var best: Int?
        for (index, result) in results.enumerated() where result.validation.value.isFinite {
            guard let current = best else { best = index; continue }
            let (value, other) = (result.validation.value, results[current].validation.value)
            if greaterIsBetter ? value > other : value < other { best = index }
        }
        guard let best else {
            throw SweepError(message: "no trial has a finite \(metric) on validation; look at the trials' logs and stores")
        }
        return best
    }

    /// The newest `<array>_<trial>.out` in the log folder (not a collect job's) and its last 20 lines.
    static func latestLog(folder: String, trial: Int) -> (path: String, tail: [String])? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let paths = names.filter { $0.hasSuffix("_\(trial).out") && !$0.hasPrefix("collect_") }.map { (folder as NSString).appendingPathComponent($0) }
        func modified(_ path: String) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
        }
        guard let newest = paths.max(by: { modified($0) < modified($1) }) else { return nil }
        let text = (try? String(contentsOfFile: newest, encoding: .utf8)) ?? ""
        return (newest, text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).map(String.init))
    }
}
