import Foundation
import Yams

/// A Kubernetes Indexed Job for a sweep: completions = trials, pod k runs
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
        // The index-to-trial plumbing is the shard manifest's; its checks hold here too.
        _ = try IndexedJobManifest(name: name, image: image, shards: trials, parallelism: parallelism ?? trials,
                                   volumeClaim: volumeClaim, evalArguments: [])
        guard cpus >= 1 else { throw ManifestError(message: "--cpus-per-task is \(cpus); give at least 1") }
        self.name = name; self.image = image; self.experimentPath = experimentPath; self.trials = trials
        self.parallelism = min(parallelism ?? trials, trials); self.volumeClaim = volumeClaim; self.cpus = cpus
    }

    public var object: [String: Any] {
        let container: [String: Any] = [
            "name": "tollgate-sweep",
            "image": image,
            "workingDir": Self.workingDirectory,
            "command": ["tollgate", "sweep", experimentPath, "--trial", "$(JOB_COMPLETION_INDEX)"],
            "env": [[
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": ["fieldRef": ["fieldPath": "metadata.annotations['\(IndexedJobManifest.completionIndexAnnotation)']"]],
            ] as [String: Any]],
            "resources": ["requests": ["cpu": String(cpus)], "limits": ["cpu": String(cpus)]],
            "volumeMounts": [["name": "runs", "mountPath": "\(Self.workingDirectory)/runs"]],
        ]
        return [
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": ["name": name, "labels": ["app.kubernetes.io/name": "tollgate"]] as [String: Any],
            "spec": [
                "completionMode": "Indexed",
                "completions": trials,
                "parallelism": parallelism,
                // A failed pod is retried on its own index; a trial that still fails is named by --collect.
                "backoffLimitPerIndex": 2,
                "template": [
                    "metadata": ["labels": ["app.kubernetes.io/name": "tollgate"]],
                    "spec": [
                        "restartPolicy": "Never",
                        "containers": [container],
                        "volumes": [["name": "runs", "persistentVolumeClaim": ["claimName": volumeClaim]] as [String: Any]],
                    ] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ]
    }

    public func yaml() throws -> String { try Yams.dump(object: object, sortKeys: true) }
}
