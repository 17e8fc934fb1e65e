import ArgumentParser
import Foundation
import Harness
import Reports

/// `tollgate sweep EXPERIMENT.yaml`: the experiment's `sweep:` grid, one trial a training.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and score every trial of an experiment's sweep: grid, choose on validation, gate, report.",
        discussion: """
            Without options the trials run one after another here, then --collect runs. --trial K \
            trains and scores one trial in runs/<experiment>/trials/K.db. --submit slurm writes an \
            sbatch array (one task a trial) and a collect job under runs/<experiment>/slurm/ and \
            submits both; --emit slurm|k8s only writes the scripts or an Indexed Job manifest. \
            --collect merges the trial stores, picks the trial with the best validation metric, gates \
            it against the baseline and writes the sweep report. Exit 0 GO, 1 NO-GO, 2 invalid input, \
            3 a trial left no result (no decision).
            """)

    enum Cluster: String, ExpressibleByArgument { case slurm, k8s }

    @Argument(help: "Experiment file (YAML) with a sweep: block.") var experiment: String
    @Option(help: "Run only this trial (0-based).") var trial: Int?
    @Flag(help: "Merge the trials' stores, choose, gate and report.") var collect = false
    @Option(help: "Submit the trials to a cluster (slurm).") var submit: Cluster?
    @Option(help: "Only write the cluster files: slurm (sbatch scripts) or k8s (Indexed Job manifest).") var emit: Cluster?
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "CPUs per trial.") var cpusPerTask: Int = 2
    @Option(help: "Slurm time limit per trial, e.g. 01:00:00.") var time: String?
    @Option(help: "Trials running at once (default: all).") var maxRunning: Int?
    @Option(help: "Container image (k8s).") var image: String = "tollgate:latest"
    @Option(help: "PersistentVolumeClaim (ReadWriteMany) mounted as runs/ (k8s).") var claim: String = "tollgate-runs"
    @Option(help: "Merged store for --collect (default runs/<experiment>/sweep.db).") var store: String?
    @Option(help: "Folder for the reports.") var reports: String = "Reports"

    func validate() throws {
        let modes = [trial != nil, collect, submit != nil, emit != nil].filter { $0 }.count
        guard modes <= 1 else { throw ValidationError("Give at most one of --trial, --collect, --submit and --emit.") }
        if submit == .k8s { throw ValidationError("--submit takes slurm; for Kubernetes use --emit k8s and kubectl apply.") }
    }

    func run() throws {
        let file = try reportingInvalidInput { try ExperimentFile.load(path: experiment) }
        let trials = try reportingInvalidInput { try SweepTrial.trials(file) }
        let commandLine = CommandLine.arguments.joined(separator: " ")
        if let trial {
            let result = try reportingInvalidInput {
                try SweepTrial.run(experiment: file, trial: trial, commandLine: commandLine) { printOutput($0) }
            }
            printOutput("trial \(trial): \(result.validation.metric) on validation \(String(format: "%.2f", result.validation.value)); "
                        + "result: \(SweepLayout(experiment: file.name).trialResult(trial))")
        } else if let cluster = submit ?? emit {
            try writeOrSubmit(cluster, file: file, trials: trials.count)
        } else {
            if !collect {
                for index in trials.indices {
                    _ = try reportingInvalidInput {
                        try SweepTrial.run(experiment: file, trial: index, commandLine: commandLine) { printOutput($0) }
                    }
                }
            }
            try collectTrials(file)
        }
    }

    private func writeOrSubmit(_ cluster: Cluster, file: ExperimentFile, trials: Int) throws {
        let layout = SweepLayout(experiment: file.name)
        if cluster == .k8s {
            let path = "\(layout.root)/k8s/sweep-job.yaml"
            try reportingInvalidInput {
                let manifest = try SweepJobManifest(name: "tollgate-sweep-" + file.name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined(),
                                                    image: image, experimentPath: experiment, trials: trials,
                                                    parallelism: maxRunning, volumeClaim: claim, cpus: cpusPerTask)
                try FileManager.default.createDirectory(atPath: "\(layout.root)/k8s", withIntermediateDirectories: true)
                try ReportFile.write(try manifest.yaml(), to: path)
            }
            printOutput("wrote \(path): an Indexed Job of \(trials) trials; kubectl apply -f it, then tollgate sweep \(experiment) --collect")
            return
        }
        let scripts = try reportingInvalidInput {
            try SweepSlurmScripts(experimentPath: experiment, experimentName: file.name, trials: trials, maxRunning: maxRunning,
                                  partition: partition, cpusPerTask: cpusPerTask, time: time,
                                  executable: Self.executablePath, workingDirectory: FileManager.default.currentDirectoryPath)
        }
        if submit == nil {
            try reportingInvalidInput { try SlurmSubmission.write(scripts) }
            printOutput("wrote \(scripts.arrayPath) (\(trials) array tasks) and \(scripts.collectPath); "
                        + "sbatch the first, then the second with --dependency=afterany:<array job id>")
            return
        }
        let ids = try reportingInvalidInput { try SlurmSubmission.submit(scripts) }
        printOutput("submitted array job \(ids.array) (\(trials) trials, logs in \(layout.logFolder)/)")
        printOutput("submitted collect job \(ids.collect) (after the array ends; report under \(reports)/)")
    }

    private func collectTrials(_ file: ExperimentFile) throws {
        let found = try reportingInvalidInput { try SweepCollection.results(file) }
        for missing in found.missing {
            printError("trial \(missing.trial) (\(missing.settings)) left no result"
                       + (missing.logPath.map { "; the end of \($0):" } ?? " and no Slurm log"))
            for line in missing.logTail { printError("  | \(line)") }
        }
        let outcome = try reportingInvalidInput {
            try SweepCollection.collect(experiment: file, path: experiment, storePath: store, reportsDirectory: reports,
                                        commandLine: CommandLine.arguments.joined(separator: " ")) { printOutput($0) }
        }
        printOutput("\(outcome.gate.decision.verdict.rawValue): \(outcome.gate.decision.why)")
        printOutput("chosen trial: \(outcome.results[outcome.chosen].trial)")
        printOutput("sweep report: \(outcome.sweepReportPath)")
        for path in outcome.gate.reportPaths { printOutput("report: \(path)") }
        if outcome.gate.decision.verdict == .noGo { throw ExitCode(1) }
    }

    /// This binary, absolute, for the cluster jobs to run.
    static var executablePath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
