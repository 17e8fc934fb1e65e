import Foundation

/// Everything the trainer can reject, each with one line that names the culprit and the fix.
public enum TrainingError: LocalizedError, Equatable {
    case weightShape(name: String, expected: Int, found: Int)
    case adapterShape(key: String, expected: [Int], found: [Int])
    case missingAdapterTensor(key: String, file: String)
    case badAdapterConfig(file: String, reason: String)
    case unsupportedTarget(name: String)
    case unsupportedModel(architecture: String, reason: String)
    case initializationUnavailable(method: String, reason: String)
    case noTrainingTokens(file: String)
    case sequenceTooLong(length: Int, limit: Int, file: String, line: Int)
    case tokenOutOfRange(id: Int, vocabulary: Int)
    case badCheckpoint(path: String, reason: String)
    case resumeMismatch(path: String, reason: String)
    case io(path: String, reason: String)
    case precisionUnavailable(reason: String)

    public var errorDescription: String? {
        switch self {
        case let .weightShape(name, expected, found):
            return "tensor \(name) has \(found) values but the model's dimensions need \(expected); check the GGUF metadata"
        case let .adapterShape(key, expected, found):
            return "adapter tensor \(key) has shape \(found) but this model needs \(expected); the adapter was trained for another model or rank"
        case let .missingAdapterTensor(key, file):
            return "\(file) has no tensor \(key); export the adapter again with all the target modules its config lists"
        case let .badAdapterConfig(file, reason):
            return "\(file): \(reason)"
        case let .unsupportedModel(architecture, reason):
            return "\(architecture) models cannot be fine-tuned yet: \(reason)"
        case let .initializationUnavailable(method, reason):
            return "init \(method) is not available for this model: \(reason)"
        case let .unsupportedTarget(name):
            return "LoRA target \(name) is not one of q, k, v, o, gate, up, down"
        case let .noTrainingTokens(file):
            return "\(file) has no example with tokens that carry a loss; check that completions are not empty"
        case let .sequenceTooLong(length, limit, file, line):
            return "\(file):\(line): the example has \(length) tokens, more than --max-seq-len \(limit) allows; raise the limit or shorten the example"
        case let .tokenOutOfRange(id, vocabulary):
            return "token id \(id) is outside the model's vocabulary of \(vocabulary); the data was tokenized for another model"
        case let .badCheckpoint(path, reason):
            return "checkpoint \(path) cannot be used: \(reason); start again without --resume"
        case let .resumeMismatch(path, reason):
            return "cannot resume from \(path): \(reason); pass the same settings as the interrupted run"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .precisionUnavailable(reason):
            return "cannot use that precision: \(reason)"
        }
    }
}
