import Foundation
import Harness
import Testing
import Yams

/// The Indexed Job manifest against what Kubernetes requires of one (batch/v1 Job API).
@Suite struct IndexedJobManifestTests {
    func manifest(shards: Int = 4, parallelism: Int = 2) throws -> [String: Any] {
        let yaml = try IndexedJobManifest(
            name: "support-routing-eval", image: "registry.example/tollgate:1", shards: shards, parallelism: parallelism,
            volumeClaim: "tollgate-stores",
            evalArguments: ["--model", "/models/SmolLM2-135M-Instruct.Q4_1.gguf", "--data", "/data/holdout.jsonl"]).yaml()
        return try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    @Test func manifestIsAnIndexedJobWithOneCompletionPerShard() throws {
        let job = try manifest()
        #expect(job["apiVersion"] as? String == "batch/v1")
        #expect(job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect(spec["completions"] as? Int == 4)
        #expect(spec["parallelism"] as? Int == 2)
        let template = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        // A Job's pods must not restart in place: Never or OnFailure are the only values allowed.
        #expect(["Never", "OnFailure"].contains(template["restartPolicy"] as? String ?? ""))
        let containers = try #require(template["containers"] as? [[String: Any]])
        #expect(containers.count == 1)
        #expect(containers[0]["image"] as? String == "registry.example/tollgate:1")
    }

    @Test func eachPodEvaluatesItsCompletionIndexIntoItsOwnStoreOnTheSharedVolume() throws {
        let template = try #require(((try manifest())["spec"] as? [String: Any])?["template"] as? [String: Any])
        let pod = try #require(template["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let command = try #require(container["command"] as? [String])
        #expect(Array(command.prefix(2)) == ["tollgate", "eval"])
        let joined = command.joined(separator: " ")
        #expect(joined.contains("--shard auto --shards 4"))
        #expect(joined.contains("--store /stores/shard-$(JOB_COMPLETION_INDEX).db"))
        let env = try #require(container["env"] as? [[String: Any]])
        let index = try #require(env.first { $0["name"] as? String == "JOB_COMPLETION_INDEX" })
        let fieldPath = ((index["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
        #expect(fieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        let mount = try #require((container["volumeMounts"] as? [[String: Any]])?.first)
        #expect(mount["mountPath"] as? String == "/stores")
        let volume = try #require((pod["volumes"] as? [[String: Any]])?.first)
        #expect(volume["name"] as? String == mount["name"] as? String)
        #expect((volume["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String == "tollgate-stores")
    }

    @Test func parallelismIsCappedAtTheShardsAndBadInputIsNamed() throws {
        #expect(((try manifest(shards: 3, parallelism: 8))["spec"] as? [String: Any])?["parallelism"] as? Int == 3)
        #expect(throws: ManifestError.self) {
            try IndexedJobManifest(name: "Bad_Name", image: "i", shards: 2, parallelism: 1, volumeClaim: "c", evalArguments: [])
        }
        #expect(throws: ManifestError.self) {
            try IndexedJobManifest(name: "ok", image: "i", shards: 2, parallelism: 1, volumeClaim: "c", evalArguments: ["--store", "x.db"])
        }
    }
}

/// `--shard K/N|auto` parsing.
@Suite struct ShardSelectionTests {
    @Test(arguments: [
        ("0/4", [String: String](), nil as Int?, 0, 4),
        ("3/4", [:], nil, 3, 4),
        ("auto", ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"], nil, 2, 4),
        ("auto", ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"], nil, 2, 4),
        ("auto", ["JOB_COMPLETION_INDEX": "5"], 8, 5, 8),
        ("auto", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_COUNT": "1"], 4, 3, 4),
    ])
    func shardIsRead(text: String, environment: [String: String], shards: Int?, index: Int, count: Int) throws {
        #expect(try ShardSelection.parse(text, shards: shards, environment: environment) == ShardSelection(index: index, count: count))
    }

    @Test(arguments: ["4/4", "-1/4", "1/0", "a/b", "1", "auto"])
    func impossibleShardIsAnError(text: String) {
        #expect(throws: ShardSelectionError.self) { try ShardSelection.parse(text, shards: nil, environment: [:]) }
    }

    @Test func threadsFollowSlurmCPUsPerTask() {
        #expect(ShardSelection.threadsFromScheduler(environment: ["SLURM_CPUS_PER_TASK": "3"]) == 3)
        #expect(ShardSelection.threadsFromScheduler(environment: ["SLURM_CPUS_PER_TASK": "0"]) == nil)
        #expect(ShardSelection.threadsFromScheduler(environment: [:]) == nil)
    }
}
