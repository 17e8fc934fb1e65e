import Foundation

/// The Kubernetes Indexed Job (`batch/v1`, `completionMode: Indexed`) both of Tollgate's manifests
/// fill in: `completions` pods, each told its index as `JOB_COMPLETION_INDEX` through the downward API
/// (older clusters set no such variable themselves), a failed index retried on its own, and one
/// ReadWriteMany claim mounted in every pod.
enum IndexedJob {
    /// The annotation Kubernetes gives each pod its index in.
    static let completionIndexAnnotation = "batch.kubernetes.io/job-completion-index"

    /// Throws naming what is wrong with a job name (a DNS-1123 label) or its counts.
    static func validate(name: String, completions: Int, parallelism: Int) throws {
        let label = try NSRegularExpression(pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
        guard label.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil else {
            throw ManifestError(message: "job name '\(name)' is not a DNS-1123 label; use lower-case letters, digits and '-'")
        }
        guard completions >= 1, parallelism >= 1 else {
            throw ManifestError(message: "--shards and --parallelism must be at least 1")
        }
    }

    /// One container per pod running `command` (Kubernetes expands `$(JOB_COMPLETION_INDEX)` in it),
    /// with `cpus` requested and as its limit, and the claim mounted at `mountPath`.
    struct Pod {
        var container: String
        var image: String
        var command: [String]
        var workingDirectory: String?
        var cpus: Int
        var volume: String
        var mountPath: String
        var volumeClaim: String
    }

    static func object(name: String, completions: Int, parallelism: Int, pod: Pod) -> [String: Any] {
        var container: [String: Any] = [
            "name": pod.container,
            "image": pod.image,
            "command": pod.command,
            "env": [[
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": ["fieldRef": ["fieldPath": "metadata.annotations['\(completionIndexAnnotation)']"]],
            ] as [String: Any]],
            "resources": ["requests": ["cpu": String(pod.cpus)], "limits": ["cpu": String(pod.cpus)]],
            "volumeMounts": [["name": pod.volume, "mountPath": pod.mountPath]],
        ]
        if let workingDirectory = pod.workingDirectory { container["workingDir"] = workingDirectory }
        return [
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": ["name": name, "labels": ["app.kubernetes.io/name": "tollgate"]] as [String: Any],
            "spec": [
                "completionMode": "Indexed",
                "completions": completions,
                "parallelism": parallelism,
                // A failed pod is retried on its own index; an index that still fails is named by
                // `tollgate merge` or `sweep --collect`.
                "backoffLimitPerIndex": 2,
                "template": [
                    "metadata": ["labels": ["app.kubernetes.io/name": "tollgate"]],
                    "spec": [
                        "restartPolicy": "Never",
                        "containers": [container],
                        "volumes": [["name": pod.volume, "persistentVolumeClaim": ["claimName": pod.volumeClaim]] as [String: Any]],
                    ] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ]
    }
}

public struct ManifestError: Error, LocalizedError, Sendable {
    public var message: String
    public var errorDescription: String? { message }
}
