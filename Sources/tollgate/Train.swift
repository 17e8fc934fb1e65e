import ArgumentParser
import Corpus
import Foundation
import Harness
import Metrics
import Store
import TensorKit
import Training

/// `tollgate train`: fine-tune a LoRA adapter on a JSONL dataset.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a LoRA adapter on the CPU.",
        discussion: "Writes the adapter in PEFT layout to --out, checkpoints under --out/checkpoints and a JSON-lines log --out/train_log.jsonl.")

    @Option(help: "The base model (GGUF).") var model: String
    @Option(help: "Training data (JSONL: prompt/completion, messages or text).") var data: String
    @Option(help: "Validation data (JSONL); its loss is reported every --validate-every steps and at the end.") var valid: String?
    @Option(help: "Output directory for the adapter and checkpoints.") var out: String
    @Option(help: "LoRA rank.") var rank: Int = 8
    @Option(help: "LoRA alpha (scale alpha/rank, or alpha/√rank with --rslora).") var alpha: Float = 16
    @Option(help: "Projections to adapt, comma-separated from q,k,v,o,gate,up,down.") var targets: String = "q,v"
    @Option(help: "Optimizer steps (default: one epoch).") var steps: Int?
    @Option(help: "Passes over the data when --steps is not given.") var epochs: Int?
    @Option(help: "Sequences per batch.") var batchSize: Int = 4
    @Option(help: "Micro-batches accumulated into one step.") var gradAccumulation: Int = 1
    @Option(help: "Peak learning rate.") var lr: Float = 1e-4
    @Option(help: "adamw or sgd (plain: no momentum, decay or clipping unless asked).") var optimizer: String = "adamw"
    @Option(help: "AdamW decoupled weight decay.") var weightDecay: Float = 0
    @Option(help: "Warm-up steps.") var warmup: Int = 0
    @Option(help: "Decay after warm-up: constant, linear or cosine.") var schedule: String = "constant"
    @Option(help: "Clip the global gradient norm to this value (0: off).") var clip: Float = 0
    @Option(help: "Dropout probability on the adapter input.") var dropout: Float = 0
    @Option(help: "Adapter initialization: kaiming (PEFT default), gaussian or pissa.") var `init`: String = "kaiming"
    @Option(help: "Start from this adapter (PEFT directory or llama.cpp .gguf) with a fresh optimizer.") var initAdapter: String?
    @Option(help: "Write a checkpoint every N steps (0: only at the end).") var saveEvery: Int = 0
    @Option(help: "Report the validation loss every N steps (0: only at the end).") var validateEvery: Int = 0
    @Flag(help: "Continue the newest checkpoint in --out exactly.") var resume = false
    @Option(help: "Seed for initialization, data order and dropout.") var seed: UInt64 = 0
    @OptionGroup(title: "Chat template") var templateOptions: TemplateOptions
    @Option(help: "Longest example accepted, in tokens.") var maxSeqLen: Int = 2048
    @Flag(help: "rsLoRA scaling alpha/√rank.") var rslora = false
    @Flag(help: "Recompute activations per layer in backward (less memory, more time).") var checkpointActivations = false
    @Option(help: "Keep at most this many MB of activations per step; the first layers are recomputed in backward until the rest fits (each costs about 1/layers of a forward).") var maxActivationMb: Int?
    @Option(help: "Products with the frozen weights in f32, bf16 (needs AVX-512 BF16), int8 (SwitchBack-style, fastest on most CPUs) or auto (the fastest this CPU has).") var precision: String = "f32"
    @Option(help: "Experiment store (SQLite) that records the run and its loss curve.") var store: String?

    func validate() throws {
        guard rank > 0 else { throw ValidationError("--rank must be a positive integer, for example --rank 8.") }
        guard lr > 0 else { throw ValidationError("--lr must be positive, for example --lr 1e-4.") }
        guard batchSize > 0, gradAccumulation > 0 else { throw ValidationError("--batch-size and --grad-accumulation must be positive.") }
        guard OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adamw or sgd.") }
        guard LearningRateSchedule.Decay(rawValue: schedule) != nil else { throw ValidationError("--schedule must be constant, linear or cosine.") }
        guard LoRAInitialization(rawValue: `init`) != nil else { throw ValidationError("--init must be kaiming, gaussian or pissa.") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1).") }
        guard steps == nil || epochs == nil else { throw ValidationError("Pass either --steps or --epochs, not both.") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive.") }
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive.") }
        for name in targets.split(separator: ",") where LoRAProjection(rawValue: String(name)) == nil {
            throw ValidationError("--targets takes a comma-separated list of q,k,v,o,gate,up,down; \(name) is not one of them.")
        }
        guard maxSeqLen > 1 else { throw ValidationError("--max-seq-len must be at least 2.") }
        if let maxActivationMb, maxActivationMb <= 0 { throw ValidationError("--max-activation-mb must be positive, for example --max-activation-mb 512.") }
        _ = try PrecisionOption.parse(precision)
    }

    func run() throws {
        try reportingInvalidInput {
            let projections = targets.split(separator: ",").compactMap { LoRAProjection(rawValue: String($0)) }
            let settings = TrainingSettings(
                lora: LoRASettings(rank: rank, alpha: alpha, useRSLoRA: rslora, targets: projections, dropout: dropout),
                optimizer: OptimizerSettings(kind: OptimizerKind(rawValue: optimizer)!, weightDecay: weightDecay),
                learningRate: lr, warmupSteps: warmup, decay: LearningRateSchedule.Decay(rawValue: schedule)!,
                steps: steps, epochs: epochs ?? 1, batchSize: batchSize, gradientAccumulation: gradAccumulation,
                maxGradientNorm: clip, seed: seed, saveEvery: saveEvery, validateEvery: validateEvery,
                initialization: LoRAInitialization(rawValue: `init`)!, checkpointActivations: checkpointActivations,
                maxActivationMB: maxActivationMb, precision: try PrecisionOption.parse(precision))
            let output = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            let templateSettings = try templateOptions.settings()
            var job = TrainingJob(model: URL(fileURLWithPath: model), data: data, validation: valid, output: output,
                                  template: templateSettings.choice, maxSequenceLength: maxSeqLen, initialAdapter: initAdapter,
                                  resume: resume, settings: settings)
            job.templateFile = templateSettings.file
            job.templateVariables = templateSettings.variables
            job.templateDate = templateSettings.date
            let log = try TrainingLog(url: output.appendingPathComponent("train_log.jsonl"))
            let database = try store.map { try TollgateStore(path: $0) }
            let configJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
            let recorder = try database.map { database in
                TrainingRecorder(store: database, runID: try database.beginRun(RunRecord(
                    kind: "train", commandLine: CommandLine.arguments.joined(separator: " "), configJSON: configJSON,
                    toolVersion: TollgateVersion.string, threads: BLAS.threads)))
            }
            let result: TrainingResult
            do {
                result = try job.run { progress in
                    printOutput(TrainingLog.line(progress))
                    log.append(progress)
                    try? recorder?.record(progress)
                }
            } catch {
                if let recorder { try? recorder.store.finishRun(id: recorder.runID, status: .failed) }
                throw error
            }
            if let recorder {
                try recorder.recordAdapter(result.adapterDirectory, step: result.steps)
                try recorder.store.finishRun(id: recorder.runID, status: .succeeded)
            }
            printOutput("adapter written to \(result.adapterDirectory.path) after \(result.steps) steps, final loss \(String(format: "%.4f", result.finalLoss))")
        }
    }
}
