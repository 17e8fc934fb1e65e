import Foundation
import Llama
import ModelIO
import TensorKit
import Tokenizer

/// One `tollgate train` run from files: model, data, settings → an adapter directory.
public struct TrainingJob: Sendable {
    /// GGUF base model.
    public var model: URL
    /// Training JSONL.
    public var data: String
    /// Optional validation JSONL.
    public var validation: String?
    /// Output directory: the final adapter, checkpoints/, train_log.jsonl.
    public var output: URL
    /// auto, chatml, llama3 or raw.
    public var template: String
    /// `--template-file`, `--template-var`s, `--template-date`; `template` is its choice.
    public var templateFile: String?
    public var templateVariables: [String: String] = [:]
    public var templateDate: String?
    var templateSettings: TemplateSettings {
        TemplateSettings(choice: template, file: templateFile, variables: templateVariables, date: templateDate)
    }
    /// Longest example accepted, in tokens.
    public var maxSequenceLength: Int
    /// Start from this adapter (PEFT directory or llama.cpp GGUF) with a fresh optimizer.
    public var initialAdapter: String?
    /// Continue the newest checkpoint in `output`.
    public var resume: Bool
    public var settings: TrainingSettings

    public init(model: URL, data: String, validation: String? = nil, output: URL, template: String = "auto",
                maxSequenceLength: Int = 2048, initialAdapter: String? = nil, resume: Bool = false,
                settings: TrainingSettings) {
        self.model = model; self.data = data; self.validation = validation; self.output = output
        self.template = template; self.maxSequenceLength = maxSequenceLength
        self.initialAdapter = initialAdapter; self.resume = resume; self.settings = settings
    }

    /// Loads everything (failing before any training on bad input), then trains.
    public func run(progress: (TrainingProgress) -> Void) throws -> TrainingResult {
        if let reason = settings.precision.unavailableReason { throw TrainingError.precisionUnavailable(reason: reason) }
        let gguf = try GGUFFile(url: model)
        let trainingSet = try TrainingData.load(path: data, gguf: gguf, templateSettings: templateSettings, maxLength: maxSequenceLength)
        let validationSet = try validation.map {
            try TrainingData.load(path: $0, gguf: gguf, templateSettings: templateSettings, maxLength: maxSequenceLength)
        } ?? []
        var settings = self.settings
        // PiSSA changes the base weights, so it runs before training starts — on resume too, where the
        // checkpoint's adapter belongs with the same (deterministic) residual weights. It needs every
        // projection in Float32: the model is loaded so, then held in the run's precision.
        let pissa = settings.initialization == .pissa && initialAdapter == nil
        var base = try LlamaModel.load(file: gguf, precision: pissa ? .f32 : settings.precision, use: .training)
        var initial: LoRAParameters?
        let shape = base.config
        if let initialAdapter, !resume {
            let loaded = try AdapterLoader.loadParameters(path: initialAdapter, shape: shape)
            settings.lora.rank = loaded.settings.rank
            settings.lora.alpha = loaded.settings.alpha
            settings.lora.useRSLoRA = loaded.settings.useRSLoRA
            settings.lora.targets = loaded.settings.targets
            var adopted = loaded
            adopted.settings = settings.lora
            initial = adopted
        } else if pissa {
            var weights = base.weights
            var parameters = LoRAParameters(shape: shape, settings: settings.lora)
            var rng = TrainingRNG(seed: settings.seed)
            try parameters.initialize(.pissa, rng: &rng, weights: &weights, svd: Self.topSingularTriplets)
            base = try LlamaModel(config: base.config, weights: weights, precision: settings.precision, use: .training)
            if !resume { initial = parameters }
        }
        let trainingModel = try LoRATrainingModel(base: base, checkpointActivations: settings.checkpointActivations)
        let trainer = try Trainer(model: trainingModel, settings: settings, trainingSet: trainingSet,
                                  validationSet: validationSet, output: output, baseModelName: model.lastPathComponent)
        return try trainer.run(initial: initial, resume: resume, progress: progress)
    }

    /// U (rows, R), S (R), Vᵀ (R, cols) of the R largest singular values, through LAPACK.
    static func topSingularTriplets(matrix: [Float], rows: Int, cols: Int, rank: Int) throws -> (u: [Float], s: [Float], vt: [Float]) {
        let svd = try LAPACK.thinSVD(of: matrix, rows: rows, cols: cols)
        let k = svd.s.count
        var u = [Float](repeating: 0, count: rows * rank), vt = [Float](repeating: 0, count: rank * cols)
        for i in 0..<rows { for j in 0..<min(rank, k) { u[i * rank + j] = svd.u[i * k + j] } }
        for j in 0..<min(rank, k) { for c in 0..<cols { vt[j * cols + c] = svd.vt[j * cols + c] } }
        return (u, Array(svd.s.prefix(rank)) + [Float](repeating: 0, count: max(0, rank - k)), vt)
    }
}
