import ArgumentParser
import Foundation
import Harness
import Metrics
import TensorKit

/// The command tree, declared in one place. Each subcommand is a small struct in its own file.
@main
struct Tollgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "Fine-tune, evaluate and gate local LLMs on the CPU.",
        discussion: """
            Exit codes: 0 success or GO, 1 NO-GO (a gate tripped), 2 invalid input \
            (model, data, config or store), 3 infrastructure failure with no decision (an endpoint \
            unreachable or failing past its retries, a quota or budget reached), 64 usage.
            """,
        version: TollgateVersion.string,
        subcommands: [
            Inspect.self,
            Tokenize.self,
            Template.self,
            Generate.self,
            Score.self,
            Eval.self,
            Train.self,
            Export.self,
            Fuse.self,
            Run.self,
            GateCommand.self,
            ReportCommand.self,
            Compare.self,
            Merge.self,
            ShardManifest.self,
            Sweep.self,
            HistoryCommand.self,
            Prune.self,
            Audit.self,
            DataCommand.self,
            Bench.self,
        ]
    )

    static func main() {
        BLAS.reexecWithPreferredCoreIfNeeded()
        // A Slurm task owns SLURM_CPUS_PER_TASK cores, not the node's: OpenBLAS and the worker pool alike.
        if let threads = ShardSelection.threadsFromScheduler(environment: ProcessInfo.processInfo.environment) {
            BLAS.threads = threads
            Parallel.threads = threads
        }
        main(nil)
    }
}
