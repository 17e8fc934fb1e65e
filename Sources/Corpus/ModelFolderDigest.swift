import Foundation

/// The identity of a Hugging Face model folder in the store and the generation cache: the SHA-256
/// of the list "name sha256" of the files that make the model — config.json, the weight shards
/// (and their index), the tokenizer files and generation_config.json — in name order. A GGUF made
/// from the folder is a different model (its own file's digest); a changed shard or tokenizer
/// file is a changed model; a README or a moved folder is not.
public enum ModelFolderDigest {
    /// Files beside the shards that change what the model computes or how text becomes tokens.
    static let modelFiles: Set<String> = [
        "config.json", "generation_config.json", "model.safetensors.index.json", "tokenizer.json",
        "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "tokenizer.model",
    ]

    /// The folder digest, or nil when `path` is not a directory holding config.json.
    public static func hex(atPath path: String) throws -> String? {
        var isDirectory: ObjCBool = false
        let folder = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else { return nil }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw CorpusError.cannotRead(path: path, reason: error.localizedDescription)
        }
        let chosen = names.filter { modelFiles.contains($0) || $0.hasSuffix(".safetensors") }.sorted()
        let lines = try chosen.map { "\($0) \(try SHA256.hexOfFile(atPath: folder.appendingPathComponent($0).path))" }
        return SHA256.hex(lines.joined(separator: "\n"))
    }
}
