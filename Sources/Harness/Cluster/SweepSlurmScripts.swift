import Foundation

/// The two sbatch scripts of a submitted sweep, submitit style: one array task per trial (at
/// most `maxRunning` at once, `--array=0-3%2`), each with its own log `logs/<array>_<K>.out`,
/// and a collect job that runs after every task ended, however it ended (`afterany`), so a
/// failed trial is reported by `--collect` instead of leaving the sweep silent.
public struct SweepSlurmScripts: Sendable, Equatable {
    public var experimentPath: String
    public var experimentName: String
    public var trials: Int
    public var maxRunning: Int
    public var partition: String?
    public var cpusPerTask: Int
    public var time: String?
    /// The tollgate binary the jobs run (absolute, so the node finds the same build).
    public var executable: String
    /// The folder the jobs start in (absolute): relative paths in the experiment resolve there.
    public var workingDirectory: String

    public init(experimentPath: String, experimentName: String, trials: Int, maxRunning: Int?, partition: String?,
                cpusPerTask: Int, time: String?, executable: String, workingDirectory: String) throws {
        guard trials >= 1 else { throw SweepError(message: "the sweep has no trials") }
        guard cpusPerTask >= 1 else { throw SweepError(message: "--cpus-per-task is \(cpusPerTask); give at least 1") }
        if let maxRunning, maxRunning < 1 { throw SweepError(message: "--max-running is \(maxRunning); give at least 1") }
        for (name, value) in [("--partition", partition), ("--time", time)] {
            if let value, value.isEmpty || value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "'" }) {
                throw SweepError(message: "\(name) '\(value)' holds spaces or quotes; give a plain Slurm value such as debug or 00:30:00")
            }
        }
        // Each goes on a script line (an #SBATCH line unquoted): a line break would start a command.
        for (name, value) in [("the experiment path", experimentPath), ("the experiment name", experimentName),
                              ("the tollgate binary's path", executable), ("the working folder", workingDirectory)]
        where value.unicodeScalars.contains(where: { $0.properties.isWhitespace && $0 != " " && $0 != "\u{A0}" }) {
            throw SweepError(message: "\(name) \(value.debugDescription) holds a line break or tab; rename it to submit the sweep to Slurm")
        }
        self.experimentPath = experimentPath; self.experimentName = experimentName; self.trials = trials
        self.maxRunning = min(maxRunning ?? trials, trials); self.partition = partition; self.cpusPerTask = cpusPerTask
        self.time = time; self.executable = executable; self.workingDirectory = workingDirectory
    }

    var layout: SweepLayout { SweepLayout(experiment: experimentName) }
    public var arrayPath: String { "\(layout.slurmFolder)/trials.sbatch" }
    public var collectPath: String { "\(layout.slurmFolder)/collect.sbatch" }

    private func header(jobName: String, output: String) -> [String] {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(jobName)", "#SBATCH --output=\(output)",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        return lines
    }

    private var logs: String { "\(workingDirectory)/\(layout.logFolder)" }

    /// Task K runs `tollgate sweep EXPERIMENT --trial K`.
    public var arrayScript: String {
        (header(jobName: "tollgate-sweep-\(experimentName)", output: "\(logs)/%A_%a.out")
            + ["#SBATCH --array=0-\(trials - 1)%\(maxRunning)", "set -eu", "cd \(quoted(workingDirectory))",
               "exec \(quoted(executable)) sweep \(quoted(experimentPath)) --trial \"$SLURM_ARRAY_TASK_ID\"", ""])
            .joined(separator: "\n")
    }

    /// Merges, chooses, gates and reports once the array has ended.
    public var collectScript: String {
        (header(jobName: "tollgate-sweep-\(experimentName)-collect", output: "\(logs)/collect_%j.out")
            + ["set -eu", "cd \(quoted(workingDirectory))", "exec \(quoted(executable)) sweep \(quoted(experimentPath)) --collect", ""])
            .joined(separator: "\n")
    }

    /// Single-quoted for the shell, each quote closed, escaped and reopened. Code point by code
    /// point: a combining mark after a quote makes one Swift `Character` that is not "'".
    private func quoted(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" { out += "'\\''" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }
}
