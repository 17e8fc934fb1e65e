import Foundation
import TensorKit

/// Errors from loading and running Llama models; each description is one line that names the
/// file, tensor or argument and says what to do.
public enum LlamaError: LocalizedError, Equatable {
    case invalidConfig(source: String, reason: String)
    case missingMetadata(source: String, key: String)
    case missingTensor(source: String, name: String)
    case tensorShape(source: String, name: String, expected: [Int], found: [Int])
    case tokenOutOfRange(token: Int, vocabSize: Int)
    case contextOverflow(needed: Int, limit: Int)
    case adapter(path: String, reason: String)
    case unsupportedArchitecture(source: String, architecture: String)
    case unavailablePrecision(ComputePrecision, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .invalidConfig(source, reason):
            return "\(source): model configuration is invalid: \(reason)"
        case let .missingMetadata(source, key):
            return "\(source): metadata key \(key) is missing; the file is not a complete GGUF of its architecture, re-convert it with convert_hf_to_gguf.py"
        case let .missingTensor(source, name):
            return "\(source): tensor \(name) is missing; the file is not a complete GGUF of its architecture, re-convert it with convert_hf_to_gguf.py"
        case let .tensorShape(source, name, expected, found):
            return "\(source): tensor \(name) has shape \(found), expected \(expected) from the model's metadata; the file is inconsistent, re-convert it"
        case let .tokenOutOfRange(token, vocabSize):
            return "token id \(token) is outside the model's vocabulary of \(vocabSize); use the tokenizer of the same model"
        case let .contextOverflow(needed, limit):
            return "the sequence needs \(needed) positions but the model's context is \(limit); shorten the prompt or lower --max-tokens"
        case let .adapter(path, reason):
            return "\(path): \(reason)"
        case let .unsupportedArchitecture(source, architecture):
            return "\(source): architecture \(architecture) is not supported; Tollgate runs GGUF models of the architectures \(ModelFamily.supportedArchitectures.joined(separator: ", "))"
        case let .unavailablePrecision(precision, reason):
            return "precision \(precision.rawValue) cannot run here: \(reason)"
        }
    }
}
