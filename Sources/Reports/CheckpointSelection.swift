/// What a run chose its checkpoint on, for the report: the validation set and how it was made.
public struct CheckpointSelection: Codable, Sendable, Equatable {
    public enum Origin: String, Codable, Sendable {
        /// Carved from the training data before training (`training.selection`).
        case carved
        /// The experiment's `training.valid`.
        case given
        /// An eval set no gate decides on (`checkpoints.eval_set`).
        case evalSet = "eval_set"
    }

    public var origin: Origin
    /// The validation JSONL.
    public var path: String
    public var sha256: String
    public var examples: Int
    /// The metric checkpoints were ranked by.
    public var metric: String
    /// The eval set's name when `origin` is `evalSet`.
    public var evalSet: String?
    /// Carved splits: the training data they came from, what training kept, and the draw.
    public var sourcePath: String?
    public var trainingExamples: Int?
    public var fraction: Double?
    public var seed: Int?
    public var stratified: Bool?

    public init(origin: Origin, path: String, sha256: String, examples: Int, metric: String, evalSet: String? = nil,
                sourcePath: String? = nil, trainingExamples: Int? = nil, fraction: Double? = nil, seed: Int? = nil,
                stratified: Bool? = nil) {
        self.origin = origin
        self.path = path
        self.sha256 = sha256
        self.examples = examples
        self.metric = metric
        self.evalSet = evalSet
        self.sourcePath = sourcePath
        self.trainingExamples = trainingExamples
        self.fraction = fraction
        self.seed = seed
        self.stratified = stratified
    }

    /// One paragraph for the readout.
    public var sentence: String {
        let hash = String(sha256.prefix(12))
        switch origin {
        case .carved:
            let share = fraction.map { String(format: "%.0f%%", $0 * 100) } ?? "a share"
            let how = stratified == true ? ", stratified by label so every label is represented" : ""
            let kept = trainingExamples.map { "; training used the other \($0)" } ?? ""
            return "Checkpoints were ranked by \(metric) on \(examples) validation examples carved from \(sourcePath ?? "the training data") "
                + "before training (\(share), seed \(seed ?? 0)\(how); \(path), SHA-256 \(hash)…)\(kept). "
                + "The holdout was scored only for the baseline and the chosen checkpoint."
        case .given:
            return "Checkpoints were ranked by \(metric) on the \(examples) examples of training.valid (\(path), SHA-256 \(hash)…). "
                + "The holdout was scored only for the baseline and the chosen checkpoint."
        case .evalSet:
            return "Checkpoints were ranked by \(metric) on eval set \(evalSet ?? path) (\(examples) examples), which no gate decides on."
        }
    }
}
