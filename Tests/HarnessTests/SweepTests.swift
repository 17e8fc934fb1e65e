import Foundation
import Harness
import Testing

private let file = "Experiments/sweep.yaml"

private func yaml(sweep: String, training: Bool = true) -> String {
    "name: s\nmodel: m.gguf\n"
        + (training ? "training: {data: train.jsonl, rank: 8, lr: 1.0e-4, targets: [q, v], steps: 10}\n" : "")
        + "eval_sets:\n  - dataset: Datasets/x/holdout.jsonl\n    metrics: [em]\n" + sweep
}

@Test func sweepGridExpandsIntoTrialsLastKeyFastest() throws {
    let experiment = try ExperimentFile.parse(yaml: yaml(sweep: """
        sweep:
          rank: [4, 8]
          lr: [5.0e-4, 1.0e-3]
          targets: [[q, v], [q, k, v, o]]

        """), file: file)
    let trials = try SweepTrial.trials(experiment)
    #expect(trials.count == 8)
    #expect(trials.map(\.plan.rank) == [4, 4, 4, 4, 8, 8, 8, 8])
    #expect(trials.map(\.plan.learningRate) == [5e-4, 5e-4, 1e-3, 1e-3, 5e-4, 5e-4, 1e-3, 1e-3])
    #expect(trials[1].plan.targets == ["q", "k", "v", "o"])
    #expect(trials[1].label == "rank=4 lr=0.0005 targets=q,k,v,o")
    // Settings the grid does not name stay the training block's.
    #expect(trials.allSatisfy { $0.plan.steps == 10 && $0.plan.data == "train.jsonl" })
    let trial = try SweepTrial.experiment(experiment, trial: 5)
    #expect(trial.training?.out == "runs/s/trials/5/adapter")
    #expect(trial.sweep == nil)
    #expect(trial.checkpoints.evaluate == .last(0))
    #expect(throws: SweepError.self) { try SweepTrial.experiment(experiment, trial: 8) }
}

@Test func badSweepValueNamesFileLineAndKey() throws {
    let error = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  rank: [4, -8]\n"), file: file)
    }
    #expect(error.key == "sweep.rank[1]")
    #expect(error.line == 8)
    let typo = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  rnak: [4]\n"), file: file)
    }
    #expect(typo.errorDescription?.contains("rank") == true)
    let target = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  targets: [[q, vv]]\n"), file: file)
    }
    #expect(target.errorDescription?.contains("did you mean 'v'") == true)
    let untrained = try #require(throws: ExperimentFileError.self) {
        try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  rank: [4]\n", training: false), file: file)
    }
    #expect(untrained.key == "sweep")
    #expect(throws: ExperimentFileError.self) { try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  rank: [4, 4]\n"), file: file) }
}

private func result(_ trial: Int, validation: Double, holdout: Double) -> SweepTrialResult {
    SweepTrialResult(trial: trial, values: [], adapter: "a\(trial)",
                     validation: .init(evalSet: "validation", metric: "em", value: validation),
                     holdout: [.init(evalSet: "h", metric: "em", value: holdout)],
                     trainingSeconds: 1, reused: false, tokensPerSecond: nil, lossCurve: [])
}

@Test func collectChoosesOnValidationNeverOnTheHoldout() throws {
    let experiment = try ExperimentFile.parse(yaml: yaml(sweep: "sweep:\n  rank: [4, 8, 16]\n"), file: file)
    // Trial 2 is best on the holdout, trial 1 on validation: validation decides.
    let results = [result(0, validation: 40, holdout: 50), result(1, validation: 60, holdout: 45), result(2, validation: 55, holdout: 90)]
    #expect(try SweepCollection.choose(results, experiment: experiment) == 1)
    // A tie goes to the lower trial; a NaN is never chosen.
    let tied = [result(0, validation: .nan, holdout: 99), result(1, validation: 60, holdout: 1), result(2, validation: 60, holdout: 2)]
    #expect(try SweepCollection.choose(tied, experiment: experiment) == 1)
}

@Test func slurmScriptsRunOneTrialPerArrayTaskWithACap() throws {
    let scripts = try SweepSlurmScripts(experimentPath: "Experiments/s.yaml", experimentName: "s", trials: 4, maxRunning: 2,
                                        partition: "cpu", cpusPerTask: 2, time: "00:30:00", executable: "/opt/tollgate",
                                        workingDirectory: "/home/u/project")
    #expect(scripts.arrayScript.contains("#SBATCH --array=0-3%2\n"))
    #expect(scripts.arrayScript.contains("#SBATCH --output=/home/u/project/runs/s/slurm/logs/%A_%a.out"))
    #expect(scripts.arrayScript.contains("#SBATCH --partition=cpu\n#SBATCH --time=00:30:00"))
    #expect(scripts.arrayScript.contains("exec '/opt/tollgate' sweep 'Experiments/s.yaml' --trial \"$SLURM_ARRAY_TASK_ID\""))
    #expect(scripts.collectScript.contains("sweep 'Experiments/s.yaml' --collect"))
    #expect(!scripts.collectScript.contains("--array"))
    #expect(throws: SweepError.self) {
        try SweepSlurmScripts(experimentPath: "e", experimentName: "s", trials: 4, maxRunning: nil, partition: "a b",
                              cpusPerTask: 1, time: nil, executable: "/t", workingDirectory: "/w")
    }
    #expect(throws: SweepError.self) {
        try SweepSlurmScripts(experimentPath: "e", experimentName: "s", trials: 4, maxRunning: nil, partition: nil,
                              cpusPerTask: 1, time: nil, executable: "/t", workingDirectory: "/w\nrm -rf ~")
    }
}

/// A quote in a path is closed, escaped and reopened, also when a combining mark follows it (one
/// Swift Character with the quote, which a Character-wise replacement missed; the shell sees the quote).
@Test func slurmScriptsQuoteEveryQuoteInAPath() throws {
    let scripts = try SweepSlurmScripts(experimentPath: "Experiments/it's\u{0301}.yaml", experimentName: "s", trials: 1,
                                        maxRunning: nil, partition: nil, cpusPerTask: 1, time: nil,
                                        executable: "/opt/tollgate", workingDirectory: "/home/o'\u{0301}; rm -rf ~")
    #expect(scripts.arrayScript.contains("cd '/home/o'\\''\u{0301}; rm -rf ~'\n"))
    #expect(scripts.arrayScript.contains("sweep 'Experiments/it'\\''s\u{0301}.yaml' --trial"))
}

@Test func kubernetesSweepIsAnIndexedJobOfOneCompletionPerTrial() throws {
    let manifest = try SweepJobManifest(name: "tollgate-sweep-s", image: "img", experimentPath: "Experiments/s.yaml",
                                        trials: 4, parallelism: 2, volumeClaim: "runs", cpus: 2)
    let yaml = try manifest.yaml()
    #expect(yaml.contains("completionMode: Indexed"))
    #expect(yaml.contains("completions: 4"))
    #expect(yaml.contains("parallelism: 2"))
    #expect(yaml.contains("claimName: runs"))
    #expect(yaml.contains("mountPath: /work/runs"))
    #expect(yaml.contains("$(JOB_COMPLETION_INDEX)"))
    #expect(throws: ManifestError.self) {
        try SweepJobManifest(name: "Bad Name", image: "i", experimentPath: "e", trials: 2, parallelism: nil, volumeClaim: "c", cpus: 1)
    }
}
