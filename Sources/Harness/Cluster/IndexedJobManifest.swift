import Foundation
import Yams

/// A Kubernetes Indexed Job (`batch/v1`, `completionMode: Indexed`) whose pod k runs
/// `tollgate eval … --shard auto --shards N` into its own store on a shared volume; `tollgate merge`
/// then joins `shard-0.db … shard-(N−1).db`. Kubernetes gives each pod its index in the annotation
/// `batch.kubernetes.io/job-completion-index`; the manifest passes it on as `JOB_COMPLETION_INDEX`
/// through the downward API (older clusters set no such variable themselves).
public struct IndexedJobManifest: Sendable, Equatable {
    /// The Job's name (a DNS-1123 label).
    public var name: String
    public var image: String
    public var shards: Int
    /// Pods running at once; at most `shards`.
    public var parallelism: Int
    /// The PersistentVolumeClaim shared by all pods (ReadWriteMany), mounted at `storeFolder`.
    public var volumeClaim: String
    public var storeFolder: String = "/stores"
    /// `tollgate eval` arguments other than `--shard`, `--shards` and `--store`.
    public var evalArguments: [String]
    /// CPUs each pod requests and is limited to (tollgate sizes its threads by the machine it sees).
    public var cpus: Int = 2

    public static let completionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

    public init(name: String, image: String, shards: Int, parallelism: Int, volumeClaim: String, evalArguments: [String]) throws {
        let label = try NSRegularExpression(pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
        guard label.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil else {
            throw ManifestError(message: "job name '\(name)' is not a DNS-1123 label; use lower-case letters, digits and '-'")
        }
        guard shards >= 1, parallelism >= 1 else {
            throw ManifestError(message: "--shards and --parallelism must be at least 1")
        }
        for reserved in ["--shard", "--shards", "--store"] where evalArguments.contains(reserved) {
            throw ManifestError(message: "the eval arguments set \(reserved), which the manifest sets per pod; leave it out")
        }
        self.name = name; self.image = image; self.shards = shards; self.parallelism = min(parallelism, shards)
        self.volumeClaim = volumeClaim; self.evalArguments = evalArguments
    }

    /// The store pod k writes; Kubernetes expands `$(JOB_COMPLETION_INDEX)` in a container's command.
    public var storePattern: String { "\(storeFolder)/shard-$(JOB_COMPLETION_INDEX).db" }

    public var object: [String: Any] {
        let container: [String: Any] = [
            "name": "tollgate-eval",
            "image": image,
            "command": ["tollgate", "eval"] + evalArguments
                + ["--shard", "auto", "--shards", String(shards), "--store", storePattern],
            "env": [[
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": ["fieldRef": ["fieldPath": "metadata.annotations['\(Self.completionIndexAnnotation)']"]],
            ] as [String: Any]],
            "resources": ["requests": ["cpu": String(cpus)], "limits": ["cpu": String(cpus)]],
            "volumeMounts": [["name": "stores", "mountPath": storeFolder]],
        ]
        return [
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": ["name": name, "labels": ["app.kubernetes.io/name": "tollgate"]] as [String: Any],
            "spec": [
                "completionMode": "Indexed",
                "completions": shards,
                "parallelism": parallelism,
                // A failed pod is retried on its own index; a shard that still fails is named by merge.
                "backoffLimitPerIndex": 2,
                "template": [
                    "metadata": ["labels": ["app.kubernetes.io/name": "tollgate"]],
                    "spec": [
                        "restartPolicy": "Never",
                        "containers": [container],
                        "volumes": [["name": "stores", "persistentVolumeClaim": ["claimName": volumeClaim]] as [String: Any]],
                    ] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ]
    }

    /// The manifest as YAML with sorted keys (stable output for review and diffs).
    public func yaml() throws -> String { try Yams.dump(object: object, sortKeys: true) }
}

public struct ManifestError: Error, LocalizedError, Sendable {
    public var message: String
    public var errorDescription: String? { message }
}
