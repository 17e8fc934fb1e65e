import Foundation
import Yams

/// A Kubernetes Indexed Job (`batch/v1`, `completionMode: Indexed`) whose pod k runs
/// `tollgate eval … --shard auto --shards N` into its own store on a shared volume; `tollgate merge`
/// then joins `shard-0.db … shard-(N−1).db`. The Job itself is `IndexedJob`'s.
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

    public static let completionIndexAnnotation = IndexedJob.completionIndexAnnotation

    public init(name: String, image: String, shards: Int, parallelism: Int, volumeClaim: String, evalArguments: [String]) throws {
        try IndexedJob.validate(name: name, completions: shards, parallelism: parallelism)
        for reserved in ["--shard", "--shards", "--store"] where evalArguments.contains(reserved) {
            throw ManifestError(message: "the eval arguments set \(reserved), which the manifest sets per pod; leave it out")
        }
        self.name = name; self.image = image; self.shards = shards; self.parallelism = min(parallelism, shards)
        self.volumeClaim = volumeClaim; self.evalArguments = evalArguments
    }

    /// The store pod k writes; Kubernetes expands `$(JOB_COMPLETION_INDEX)` in a container's command.
    public var storePattern: String { "\(storeFolder)/shard-$(JOB_COMPLETION_INDEX).db" }

    public var object: [String: Any] {
        IndexedJob.object(name: name, completions: shards, parallelism: parallelism, pod: IndexedJob.Pod(
            container: "tollgate-eval", image: image,
            command: ["tollgate", "eval"] + evalArguments + ["--shard", "auto", "--shards", String(shards), "--store", storePattern],
            workingDirectory: nil, cpus: cpus, volume: "stores", mountPath: storeFolder, volumeClaim: volumeClaim))
    }

    /// The manifest as YAML with sorted keys (stable output for review and diffs).
    public func yaml() throws -> String { try Yams.dump(object: object, sortKeys: true) }
}
