import ArgumentParser
import Foundation
import Harness
import Reports

/// `tollgate shard-manifest`: a Kubernetes Indexed Job that runs a sharded evaluation.
struct ShardManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard-manifest",
        abstract: "Write a Kubernetes Indexed Job that runs tollgate eval --shard auto, one pod a shard.",
        discussion: """
            Arguments after -- are tollgate eval's (model, data, metrics, …; not --shard or --store). \
            Pod k writes /stores/shard-k.db on the shared claim; then run \
            tollgate merge --into merged.db /stores/shard-*.db.
            """)

    @Option(help: "Number of shards (the Job's completions).") var shards: Int
    @Option(help: "Pods running at once (default: all shards).") var parallelism: Int?
    @Option(help: "Container image with tollgate, the model and the data.") var image: String
    @Option(help: "PersistentVolumeClaim (ReadWriteMany) for the shards' stores.") var claim: String
    @Option(help: "Job name.") var name: String = "tollgate-eval"
    @Option(help: "Write the manifest here instead of standard output.") var out: String?
    @Argument(parsing: .postTerminator, help: "tollgate eval arguments.") var evalArguments: [String] = []

    func run() throws {
        let text = try reportingInvalidInput {
            try IndexedJobManifest(name: name, image: image, shards: shards, parallelism: parallelism ?? shards,
                                   volumeClaim: claim, evalArguments: evalArguments).yaml()
        }
        if let out { try reportingInvalidInput { try ReportFile.write(text, to: out) } } else { printOutput(text) }
    }
}
