import Foundation

/// Why a tokenizer or chat template could not be built; each description is one line with the fix.
public enum TokenizerError: LocalizedError, Equatable {
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String)
    case missingMetadata(key: String)
    case emptyVocabulary
    case tokenTypeCountMismatch(tokens: Int, types: Int)
    case scoreCountMismatch(tokens: Int, scores: Int)
    case malformedByteToken(id: Int, text: String)
    case specialTokenOutOfRange(key: String, id: Int, vocabularySize: Int)
    case unknownChatTemplate(excerpt: String)
    case missingChatTemplate
    case unknownTemplateChoice(String)
    case wrongMetadataType(key: String, expected: String)
    /// Another error, in the named model file.
    indirect case inFile(String, TokenizerError)

    public var errorDescription: String? {
        switch self {
        case .unsupportedModel(let model):
            return "tokenizer.ggml.model is \"\(model)\", but Tollgate reads only byte-level BPE (\"gpt2\") and SentencePiece (\"llama\") vocabularies; use a model converted with one of them"
        case .unsupportedPreTokenizer(let pre):
            return "tokenizer.ggml.pre is \"\(pre)\", which Tollgate cannot pre-tokenize yet; supported: \(PreTokenizer.supportedNames.joined(separator: ", "))"
        case .missingMetadata(let key):
            return "the model has no \(key) metadata; it needs a BPE or SentencePiece vocabulary as convert_hf_to_gguf writes it"
        case .emptyVocabulary:
            return "tokenizer.ggml.tokens is empty; the model carries no usable vocabulary"
        case .tokenTypeCountMismatch(let tokens, let types):
            return "tokenizer.ggml.token_type has \(types) entries but tokenizer.ggml.tokens has \(tokens); the tokenizer metadata is inconsistent"
        case .scoreCountMismatch(let tokens, let scores):
            return "tokenizer.ggml.scores has \(scores) entries but tokenizer.ggml.tokens has \(tokens); the tokenizer metadata is inconsistent, convert the model again"
        case .malformedByteToken(let id, let text):
            return "token \(id) has type BYTE but is spelled \"\(text)\", not <0xXX>; the tokenizer metadata is damaged, convert the model again"
        case .specialTokenOutOfRange(let key, let id, let size):
            return "\(key) is \(id), outside the vocabulary of \(size) tokens; fix the model's tokenizer metadata"
        case .unknownChatTemplate(let excerpt):
            return "the model's chat template is neither ChatML nor Llama-3 (it begins \"\(excerpt)\"); pass --template chatml|raw"
        case .missingChatTemplate:
            return "the model has no tokenizer.chat_template; pass --template chatml|raw"
        case .unknownTemplateChoice(let choice):
            return "unknown chat template \"\(choice)\"; choose auto, chatml, llama3 or raw"
        case .wrongMetadataType(let key, let expected):
            return "\(key) should be \(expected); the tokenizer metadata is damaged, convert the model again"
        case .inFile(let path, let error):
            return "\(path): \(error.errorDescription ?? "")"
        }
    }
}
