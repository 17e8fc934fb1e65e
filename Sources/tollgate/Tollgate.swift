import ArgumentParser
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
            (model, data, config or store), 64 usage.
            """,
        version: TollgateVersion.string,
        subcommands: [
            Bench.self,
            DataCommand.self,
            Eval.self,
            Export.self,
            Fuse.self,
            Generate.self,
            HistoryCommand.self,
            Inspect.self,
            Score.self,
            Tokenize.self,
            Train.self,
        ]
    )

    static func main() {
        BLAS.reexecWithPreferredCoreIfNeeded()
        main(nil)
    }
}
