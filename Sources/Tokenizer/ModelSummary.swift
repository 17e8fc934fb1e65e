import Foundation
import ModelIO

/// What `tollgate inspect` reports about a GGUF model: architecture and dimensions from the
/// `{architecture}.*` metadata, tensor storage, and the tokenizer and chat template. Lives beside the
/// tokenizer because it is the lowest module that knows both the GGUF file and the chat formats.
/// JSON keys are snake_case and stable; absent metadata is null.
public struct ModelSummary: Codable, Sendable, Equatable {
    public struct TokenizerInfo: Codable, Sendable, Equatable {
        /// `tokenizer.ggml.model`: "gpt2" or "llama".
        public var model: String?
        /// What that model is: "bpe" (byte-level BPE, "gpt2") or "sentencepiece" ("llama"); nil otherwise.
        public var kind: String?
        public var pre: String?
        public var tokens: Int?
        public var bosID: Int?
        public var eosID: Int?
        public var padID: Int?
        /// Whether encoding adds BOS: the file's `add_bos_token`, else llama.cpp's default for the vocabulary.
        public var addBOS: Bool?
        /// SentencePiece only: whether a space is put before the text (`add_space_prefix`, default true).
        public var addSpacePrefix: Bool?

        enum CodingKeys: String, CodingKey {
            case model, kind, pre, tokens
            case bosID = "bos_id", eosID = "eos_id", padID = "pad_id", addBOS = "add_bos"
            case addSpacePrefix = "add_space_prefix"
        }

        /// "byte-level BPE (gpt2), pre smollm" or "SentencePiece (llama), no space prefix".
        public var description: String {
            switch kind {
            case "bpe": return "byte-level BPE (\(model ?? "-")), pre \(pre ?? "-")"
            case "sentencepiece":
                return "SentencePiece (\(model ?? "-")), " + (addSpacePrefix == false ? "no space prefix" : "space prefix")
            default: return "\(model ?? "-") (not readable by Tollgate), pre \(pre ?? "-")"
            }
        }
    }

    public var file: String
    public var fileSizeBytes: Int
    public var ggufVersion: Int
    public var name: String?
    public var architecture: String?
    public var layers: Int?
    public var embeddingLength: Int?
    public var heads: Int?
    public var kvHeads: Int?
    public var feedForwardLength: Int?
    public var vocabSize: Int?
    public var contextLength: Int?
    public var ropeFreqBase: Double?
    public var rmsNormEpsilon: Double?
    /// No `output.weight`: the output projection reuses `token_embd.weight`.
    public var tiedEmbeddings: Bool
    public var tensorCount: Int
    /// Tensor count per storage type name (`Q4_1`, `F32`, …).
    public var tensorTypes: [String: Int]
    public var parameterCount: Int
    public var tokenizer: TokenizerInfo
    /// `chatml`, `llama3`, `unknown` (a template Tollgate does not recognise) or `none`.
    public var chatTemplate: String
    public var defaultSystemMessage: String?
    /// The template `--template auto` uses: the model's own Jinja text, or raw when it has none;
    /// says so when Tollgate cannot render the text.
    public var templateUsed: String
    /// Names of `tokenizer.chat_template.NAME` variants (`--template NAME`).
    public var templateVariants: [String]

    enum CodingKeys: String, CodingKey {
        case file, name, architecture, layers, heads, tokenizer
        case fileSizeBytes = "file_size_bytes", ggufVersion = "gguf_version", embeddingLength = "embedding_length"
        case kvHeads = "kv_heads", feedForwardLength = "feed_forward_length", vocabSize = "vocab_size"
        case contextLength = "context_length", ropeFreqBase = "rope_freq_base", rmsNormEpsilon = "rms_norm_epsilon"
        case tiedEmbeddings = "tied_embeddings", tensorCount = "tensor_count", tensorTypes = "tensor_types"
        case parameterCount = "parameter_count", chatTemplate = "chat_template"
        case defaultSystemMessage = "default_system_message"
        case templateUsed = "template_used", templateVariants = "template_variants"
    }

    public init(gguf: GGUFFile) {
        let architecture = gguf.string("general.architecture")
        func archInt(_ suffix: String) -> Int? { architecture.flatMap { gguf.int("\($0).\(suffix)") } }
        // GGUF stores these as float32: report the float32's shortest decimal (1e-05, not 9.99999974e-06).
        func archFloat(_ suffix: String) -> Double? {
            architecture.flatMap { gguf.float("\($0).\(suffix)") }.map { Double("\(Float($0))") ?? $0 }
        }

        file = gguf.url.path
        fileSizeBytes = gguf.fileSize
        ggufVersion = Int(gguf.version)
        name = gguf.string("general.name")
        self.architecture = architecture
        layers = archInt("block_count")
        embeddingLength = archInt("embedding_length")
        heads = archInt("attention.head_count")
        kvHeads = archInt("attention.head_count_kv") ?? heads
        feedForwardLength = archInt("feed_forward_length")
        let tokenCount = gguf.metadata["tokenizer.ggml.tokens"]?.array?.count
        vocabSize = archInt("vocab_size") ?? tokenCount ?? gguf.tensor(named: "token_embd.weight")?.dimensions.last
        contextLength = archInt("context_length")
        ropeFreqBase = archFloat("rope.freq_base")
        rmsNormEpsilon = archFloat("attention.layer_norm_rms_epsilon")
        tiedEmbeddings = gguf.tensor(named: "output.weight") == nil
        tensorCount = gguf.tensors.count
        tensorTypes = gguf.tensors.reduce(into: [:]) { counts, tensor in counts[tensor.type.name, default: 0] += 1 }
        parameterCount = gguf.tensors.reduce(0) { $0 + $1.elementCount }
        let tokenizerModel = gguf.string("tokenizer.ggml.model"), pre = gguf.string("tokenizer.ggml.pre")
        let sentencePiece = tokenizerModel == TokenizerVocabulary.sentencePieceModel
        let kind = sentencePiece ? "sentencepiece" : tokenizerModel == TokenizerVocabulary.bytePairModel ? "bpe" : nil
        // The defaults TokenizerVocabulary(gguf:) applies, as llama.cpp does.
        let defaultID = { (id: Int) -> Int? in sentencePiece ? id : nil }
        tokenizer = TokenizerInfo(
            model: tokenizerModel, kind: kind, pre: pre, tokens: tokenCount,
            bosID: gguf.int("tokenizer.ggml.bos_token_id") ?? defaultID(1),
            eosID: gguf.int("tokenizer.ggml.eos_token_id") ?? defaultID(2),
            padID: gguf.int("tokenizer.ggml.padding_token_id"),
            addBOS: gguf.bool("tokenizer.ggml.add_bos_token")
                ?? (kind == nil ? nil : sentencePiece || PreTokenizer(ggufName: pre ?? "") == .llama3),
            addSpacePrefix: sentencePiece ? gguf.bool("tokenizer.ggml.add_space_prefix") ?? true : nil)
        let templateSource = gguf.string("tokenizer.chat_template")
        if templateSource == nil {
            chatTemplate = "none"
        } else {
            chatTemplate = (try? ChatTemplate.detect(templateSource).rawValue) ?? "unknown"
        }
        defaultSystemMessage = ChatTemplate.defaultSystemMessage(in: templateSource)
        let templates = ModelChatTemplates(gguf: gguf)
        templateVariants = templates.named.keys.sorted()
        do {
            let used = try ChatTemplate.resolve(TemplateSettings(), model: templates)
            templateUsed = used.kind == .raw ? "raw (the model has no tokenizer.chat_template)" : "tokenizer.chat_template (Jinja)"
        } catch {
            templateUsed = "tokenizer.chat_template, which Tollgate cannot render: \(error.localizedDescription)"
        }
    }

    /// The summary as an aligned two-column table, one fact per line.
    public var table: String {
        func text(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "-" }
        let types = tensorTypes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
        let tokenizerLine = [tokenizer.description,
                             "BOS \(text(tokenizer.bosID))", "EOS \(text(tokenizer.eosID))",
                             "PAD \(text(tokenizer.padID))",
                             tokenizer.addBOS == true ? "BOS added" : "no BOS added"].joined(separator: ", ")
        let rows: [(String, String)] = [
            ("file", file),
            ("file size", "\(Self.megabytes(fileSizeBytes)) (\(fileSizeBytes) bytes), GGUF v\(ggufVersion)"),
            ("name", name ?? "-"),
            ("architecture", architecture ?? "-"),
            ("layers", text(layers)),
            ("width", text(embeddingLength)),
            ("heads", text(heads)),
            ("KV heads", text(kvHeads)),
            ("FFN", text(feedForwardLength)),
            ("vocab", text(vocabSize)),
            ("context length", text(contextLength)),
            ("RoPE base", text(ropeFreqBase)),
            ("norm eps", text(rmsNormEpsilon)),
            ("tied embeddings", tiedEmbeddings ? "yes (no output.weight)" : "no"),
            ("tensors", "\(tensorCount): \(types)"),
            ("parameters", "\(Self.millions(parameterCount)) (\(parameterCount))"),
            ("tokenizer", tokenizerLine),
            ("chat template", chatTemplate == "chatml" ? "ChatML" : chatTemplate == "llama3" ? "Llama 3" : chatTemplate),
            ("default system", defaultSystemMessage ?? "-"),
            ("template used", templateUsed + (templateVariants.isEmpty ? "" : "; variants: " + templateVariants.joined(separator: ", "))),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    private static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
    private static func millions(_ count: Int) -> String { String(format: "%.1fM", Double(count) / 1e6) }
}
