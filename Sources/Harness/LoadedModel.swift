import Corpus
import Foundation
import Llama
import ModelIO
import Store
import TensorKit
import Tokenizer
import Training

/// A model ready to generate — tokenizer, optional adapter, and weights loaded on first use — with
/// the provenance rows that identify it in the store (content hashes, not paths, so a moved file is
/// the same model). An evaluation answered entirely from the generation cache never dequantizes
/// the weights; the metadata, tensor table and adapter are checked at once all the same.
public final class LoadedModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: LlamaConfig
    public let adapter: LoRAAdapter?
    public let tokenizer: TextTokenizer
    public let modelRecord: ModelRecord
    public let adapterRecord: AdapterRecord?
    private var loadedGenerator: Generator?

    init(file: GGUFFile, config: LlamaConfig, adapter: LoRAAdapter?, tokenizer: TextTokenizer,
         modelRecord: ModelRecord, adapterRecord: AdapterRecord?) {
        self.file = file
        self.config = config
        self.adapter = adapter
        self.tokenizer = tokenizer
        self.modelRecord = modelRecord
        self.adapterRecord = adapterRecord
    }

    /// Reads the GGUF's metadata and tokenizer; `adapterPath` is a PEFT folder or LoRA GGUF.
    public static func load(modelPath: String, adapterPath: String?) throws -> LoadedModel {
        let file = try GGUFFile(url: URL(fileURLWithPath: modelPath))
        let config = try LlamaConfig(gguf: file)
        let adapter = try adapterPath.map { try AdapterFiles.load(path: $0, model: modelPath) }
        try adapter?.validate(for: config, source: modelPath)
        let tokenizer = try TextTokenizer(gguf: file)
        let modelRecord = ModelRecord(
            path: modelPath, sha256: try SHA256.hexOfFile(atPath: modelPath),
            architecture: file.string("general.architecture") ?? "llama",
            quantization: dominantType(file), parameterCount: Int64(file.tensors.map(\.elementCount).reduce(0, +)))
        let adapterRecord = try adapter.map { adapter in
            AdapterRecord(path: adapterPath!, sha256: try AdapterFiles.sha256(path: adapterPath!),
                          format: AdapterFiles.format(path: adapterPath!), rank: adapter.config.rank,
                          alpha: Double(adapter.config.alpha), targets: adapter.config.targets.map(\.rawValue))
        }
        return LoadedModel(file: file, config: config, adapter: adapter, tokenizer: tokenizer,
                           modelRecord: modelRecord, adapterRecord: adapterRecord)
    }

    /// The generator computing in `precision`, loaded on the first call (and again when the precision changes).
    public func generator(precision: ComputePrecision = .f32) throws -> Generator {
        if let loadedGenerator, loadedGenerator.model.precision == precision { return loadedGenerator }
        loadedGenerator = nil
        let generator = Generator(model: try LlamaModel.load(file: file, adapter: adapter, precision: precision),
                                  tokenizer: tokenizer)
        loadedGenerator = generator
        return generator
    }

    /// The tensor type holding most of the weights ("Q4_1" for the default model).
    static func dominantType(_ file: GGUFFile) -> String {
        var elements: [String: Int] = [:]
        for tensor in file.tensors { elements[tensor.type.name, default: 0] += tensor.elementCount }
        return elements.max { $0.value < $1.value }?.key ?? "unknown"
    }
}

/// Adapters on disk: a PEFT folder (`adapter_config.json` + `adapter_model.safetensors`) or a
/// llama.cpp LoRA GGUF file.
public enum AdapterFiles {
    public static func format(path: String) -> String { isDirectory(path) ? "peft" : "gguf" }

    /// Either format; the model gives the head counts that q/k row order depends on.
    public static func load(path: String, model: String) throws -> LoRAAdapter {
        try AdapterLoader.load(path: path, model: URL(fileURLWithPath: model))
    }

    /// A PEFT folder hashes as its two files in a fixed order; a GGUF as the file.
    public static func sha256(path: String) throws -> String {
        guard isDirectory(path) else { return try SHA256.hexOfFile(atPath: path) }
        let folder = URL(fileURLWithPath: path)
        let parts = try ["adapter_config.json", "adapter_model.safetensors"].map {
            try SHA256.hexOfFile(atPath: folder.appendingPathComponent($0).path)
        }
        return SHA256.hex(parts.joined(separator: "\n"))
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
