import Foundation
import TestSupport
import Testing

/// A 4-trial sweep (rank [4, 8] × lr [5e-4, 1e-3]) of the support-routing experiment with
/// SmolLM2, submitted to a real single-node Slurm by `tollgate sweep --submit slurm`: the array
/// and the dependent collect job end with a sweep report whose chosen trial is the best on
/// validation; a trial without a result makes `--collect` exit 3 with the end of its Slurm log.
/// Trials are small so the test stays short: 12 steps of batch 4, a 5% validation split (32
/// messages), the holdout's first 60 messages.
@Suite(.serialized) struct SlurmSweepTests {
    static let repository = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()

    static func experiment(model: String) -> String {
        let data = repository.appendingPathComponent("Datasets/support-routing").path
        return """
            name: routing-sweep
            model: \(model)
            training:
              data: \(data)/train.jsonl
              targets: [q, v]
              steps: 12
              batch_size: 4
              seed: 1
              selection: {fraction: 0.05, seed: 1}
            sweep:
              rank: [4, 8]
              lr: [5.0e-4, 1.0e-3]
            eval_sets:
              - name: support-routing
                dataset: \(data)/holdout.jsonl
                metrics: [em, chrf]
                decoding: {max_tokens: 8}
                limit: 60
            baseline: base
            checkpoints: {evaluate: final, metric: chrf}
            gates:
              em: {max_drop: 5, significance: 0.05}

            """
    }

    static func seconds(since start: Date) -> String { String(format: "%.1f", Date().timeIntervalSince(start)) }

    @Test(.enabled(if: SlurmShardedEvalTests.runs, "needs slurmctld, slurmd, munge (make slurm) and the default model"))
    func submittedSweepChoosesTheBestTrialOnValidationAndAMissingTrialIsExitThree() throws {
        let model = try #require(Fixtures.smolLM2).path
        let folder = try Fixtures.temporaryFolder("slurm-sweep"); defer { try? FileManager.default.removeItem(at: folder) }
        let start = Date()
        let cluster = try SlurmCluster()
        defer { cluster.stop() }
        let file = folder.appendingPathComponent("routing-sweep.yaml")
        try Self.experiment(model: model).write(to: file, atomically: true, encoding: .utf8)
        let environment = ["SLURM_CONF": cluster.configPath]

        let submitted = try TollgateBinary.run(["sweep", file.path, "--submit", "slurm", "--cpus-per-task", "1", "--max-running", "2"],
                                               environment: environment, currentDirectory: folder)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let ids = submitted.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("submitted") else { return nil }
            return line.split(separator: " ").dropFirst(3).first.map(String.init)
        }
        #expect(ids.count == 2, "\(submitted.stdout)")
        let script = try String(contentsOf: folder.appendingPathComponent("runs/routing-sweep/slurm/trials.sbatch"), encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-3%2"))
        for id in ids { try cluster.waitUntilDone(job: id, seconds: 900) }
        print("slurm sweep: array and collect done in \(Self.seconds(since: start)) s")

        let logs = folder.appendingPathComponent("runs/routing-sweep/slurm/logs")
        let collectLog = try FileManager.default.contentsOfDirectory(atPath: logs.path).first { $0.hasPrefix("collect_") }
        let collected = try String(contentsOf: logs.appendingPathComponent(try #require(collectLog)), encoding: .utf8)
        #expect(collected.contains("sweep report:"), "\(collected)")

        // The chosen trial is the best on validation (chrf, higher is better; ties to the lower trial).
        struct Result: Decodable { struct Score: Decodable { var value: Double; var metric: String; var evalSet: String }
                                   var trial: Int; var validation: Score; var holdout: [Score] }
        let results = try (0..<4).map { trial in
            try JSONDecoder().decode(Result.self, from: Data(contentsOf: folder.appendingPathComponent("runs/routing-sweep/trials/\(trial).json")))
        }
        let best = results.max { $0.validation.value < $1.validation.value || ($0.validation.value == $1.validation.value && $0.trial > $1.trial) }!
        for result in results {
            let holdout = result.holdout.first { $0.metric == "chrf" }?.value ?? .nan
            print("slurm sweep: trial \(result.trial) validation chrf \(result.validation.value) holdout chrf \(holdout)")
        }
        #expect(collected.contains("chosen trial: \(best.trial)"), "\(collected)")
        let reports = folder.appendingPathComponent("Reports")
        let sweepReport = try #require(try FileManager.default.contentsOfDirectory(atPath: reports.path).first { $0.hasSuffix("-sweep.md") })
        let report = try String(contentsOf: reports.appendingPathComponent(sweepReport), encoding: .utf8)
        #expect(report.contains("**Chosen: trial \(best.trial)**"))
        #expect(report.contains("| \(best.trial) ✔ chosen |"))
        #expect(report.contains("were not used to choose"))
        #expect(report.contains("xychart-beta"))
        #expect(report.components(separatedBy: "\n").filter { $0.hasPrefix("| ") }.count == 6)   // header, rule, 4 trials

        // Collecting again gives the same choice and the verdict's exit code (0 GO, 1 NO-GO).
        let again = try TollgateBinary.run(["sweep", file.path, "--collect"], currentDirectory: folder)
        #expect(again.stdout.contains("chosen trial: \(best.trial)"), "\(again.stderr)")
        #expect(again.status == (again.stdout.contains("\nNO-GO:") ? 1 : 0), "\(again.stdout)\(again.stderr)")

        // A trial without its result: exit 3, named with the end of its Slurm log, no decision.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("runs/routing-sweep/trials/3.json"))
        let incomplete = try TollgateBinary.run(["sweep", file.path, "--collect"], currentDirectory: folder)
        #expect(incomplete.status == 3)
        #expect(incomplete.stderr.contains("trial 3 (rank=8 lr=0.001) left no result; the end of"), "\(incomplete.stderr)")
        #expect(incomplete.stderr.contains("  | "))
        #expect(incomplete.stderr.contains("rerun them with tollgate sweep"))
        print("slurm sweep: whole test \(Self.seconds(since: start)) s")
    }
}
