import Foundation
import TestSupport

/// The real inputs the whole-command check damages, made once: the tiny fixture model, its PEFT
/// adapter, a dataset, an experiment and the store a run of that experiment wrote.
struct WholeCommandSeeds {
    enum Kind: String, CaseIterable {
        case model, dataset, experiment, adapter, store
    }

    let folder: URL
    let model = Fixtures.url("tiny-llama.gguf")
    let adapter = Fixtures.url("tiny-llama-lora")
    let dataset: URL
    let experimentText: String
    let store: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-mutated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        dataset = folder.appendingPathComponent("holdout.jsonl")
        let lines = (0 ..< 4).map { #"{"id": "e\#($0)", "prompt": "Where is parcel \#($0)?", "completion": "shipping_delay"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: dataset, atomically: true, encoding: .utf8)
        experimentText = """
            name: mutated
            model: \(model.path)
            eval_sets:
              - name: holdout
                dataset: \(dataset.path)
                metrics: [em, chrf]
                decoding: {max_tokens: 2}
            baseline: base
            gates:
              chrf: {max_drop: 100}
            """
        let experiment = folder.appendingPathComponent("experiment.yaml")
        try experimentText.write(to: experiment, atomically: true, encoding: .utf8)
        store = folder.appendingPathComponent("seed.db")
        let made = try CommandContract.run(["run", experiment.path, "--store", store.path, "--reports", folder.appendingPathComponent("Reports").path], in: folder)
        guard made.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "seed run failed: \(made.stderr)"]) }
    }

    /// Mutates one input of `kind` with `seed`, runs the commands that read it and returns the
    /// broken promises; `record` sees each exit status.
    func check(_ kind: Kind, seed: UInt64, record: (Int32) -> Void) throws -> [String] {
        var mutator = InputMutator(seed: seed)
        let work = folder.appendingPathComponent("case-\(seed)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let name = "\(kind.rawValue) seed \(seed)"
        var found: [String] = []
        @discardableResult
        func run(_ arguments: [String], _ label: String) throws -> Int32 {
            let outcome = try CommandContract.run(arguments, in: work)
            record(outcome.signalled || outcome.timedOut ? -1 : outcome.status)
            found += CommandContract.violations(outcome, case: "\(name) \(label)")
            if outcome.status != 0 { found += CommandContract.leftovers(in: work).map { "\(name) \(label): left \($0)" } }
            return outcome.status
        }
        let evalStore = work.appendingPathComponent("eval.db").path
        switch kind {
        case .model:
            let bytes = try [UInt8](Data(contentsOf: model))
            let path = try write(mutator.mutate(bytes, focus: 0 ..< 65_536, text: false), "model.gguf", in: work)
            switch seed % 3 {
            case 0: try run(["inspect", path], "inspect")
            case 1: try run(["tokenize", "--model", path, "Hello world"], "tokenize")
            default: try run(["eval", "--model", path, "--data", dataset.path, "--store", evalStore, "--max-tokens", "2", "--limit", "2"], "eval")
            }
        case .dataset:
            let path = try write(mutator.mutate([UInt8](Data(contentsOf: dataset)), text: true), "data.jsonl", in: work)
            if seed % 2 == 0 {
                try run(["eval", "--model", model.path, "--data", path, "--store", evalStore, "--max-tokens", "2", "--metrics", "em,chrf"], "eval")
            } else {
                let out = work.appendingPathComponent("adapter")
                try run(["train", "--model", model.path, "--data", path, "--steps", "1", "--batch-size", "2", "--rank", "2", "--out", out.path], "train --steps 1")
            }
        case .experiment:
            let path = try write(mutator.mutate(Array(experimentText.utf8), text: true), "experiment.yaml", in: work)
            try run(["run", path, "--store", evalStore, "--reports", work.appendingPathComponent("Reports").path], "run")
        case .adapter:
            let copy = work.appendingPathComponent("adapter")
            try FileManager.default.copyItem(at: adapter, to: copy)
            let file = copy.appendingPathComponent(seed % 2 == 0 ? "adapter_config.json" : "adapter_model.safetensors")
            let bytes = try [UInt8](Data(contentsOf: file))
            try Data(mutator.mutate(bytes, focus: 0 ..< 512, text: seed % 2 == 0)).write(to: file)
            try run(["eval", "--model", model.path, "--adapter", copy.path, "--data", dataset.path, "--store", evalStore,
                     "--max-tokens", "2", "--limit", "2"], "eval --adapter")
        case .store:
            let bytes = try [UInt8](Data(contentsOf: store))
            let path = try write(mutator.mutate(bytes, focus: 0 ..< 4096, text: false), "damaged.db", in: work)
            if seed % 2 == 0 {
                // The destination is new: a failed merge (one transaction) must leave no rows in it.
                let into = work.appendingPathComponent("merged.db").path
                let status = try run(["merge", "--into", into, path], "merge")
                if let after = CommandContract.storeState(into) {
                    if !after.intact { found.append("\(name) merge: the destination store fails SQLite's checks") }
                    let merged = after.rows.filter { $0.key != "meta" && $0.key != "grdb_migrations" }.values.reduce(0, +)
                    if status != 0, merged > 0 { found.append("\(name) merge: a failed merge left \(merged) rows") }
                }
            } else {
                let out = work.appendingPathComponent("report.md")
                let status = try run(["report", "--store", path, "--out", out.path], "report")
                if status >= 2, FileManager.default.fileExists(atPath: out.path) {
                    found.append("\(name) report: a failed report left \(out.lastPathComponent)")
                }
            }
        }
        if let state = CommandContract.storeState(evalStore), !state.intact {
            found.append("\(name): the store it wrote fails SQLite's checks")
        }
        return found
    }

    private func write(_ bytes: [UInt8], _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}
