import Foundation
import Yams

/// A Kubernetes Indexed Job (`IndexedJob`) for a sweep: completions = trials, pod k runs
/// `tollgate sweep EXPERIMENT --trial k` in `/work` with the shared claim mounted at
/// `/work/runs`, so every trial's adapter, store and result land on one volume; then run
/// `tollgate sweep EXPERIMENT --collect` where the claim is mounted.
public struct SweepJobManifest: Sendable, Equatable {
    public var name: String
    public var image: String
    public var experimentPath: String
    public var trials: Int
    public var parallelism: Int
    public var volumeClaim: String
    public var cpus: Int

    public static let workingDirectory = "/work"

    public init(name: String, image: String, experimentPath: String, trials: Int, parallelism: Int?, volumeClaim: String,
                cpus: Int) throws {
        try IndexedJob.validate(name: name, completions: trials, parallelism: parallelism ?? trials)
        guard cpus >= 1 else { throw ManifestError(message: "--cpus-per-task is \(cpus); give at least 1") }
        self.name = name; self.image = image; self.experimentPath = experimentPath; self.trials = trials
        self.parallelism = min(parallelism ?? trials, trials); self.volumeClaim = volumeClaim; self.cpus = cpus
    }

    public var object: [String: Any] {
        IndexedJob.object(name: name, completions: trials, parallelism: parallelism, pod: IndexedJob.Pod(
            container: "tollgate-sweep", image: image,
            command: ["tollgate", "sweep", experimentPath, "--trial", "$(JOB_COMPLETION_INDEX)"],
            workingDirectory: Self.workingDirectory, cpus: cpus, volume: "runs", mountPath: "\(Self.workingDirectory)/runs",
            volumeClaim: volumeClaim))
    }

    public func yaml() throws -> String { try Yams.dump(object: object, sortKeys: true) }
}
