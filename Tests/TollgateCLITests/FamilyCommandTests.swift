import Foundation
import ModelIO
import TestSupport
import Testing

/// The model families through the commands a user runs: `inspect` names what a family changes, and
/// an architecture Tollgate does not run is exit 2 on one line that names the ones it does.
struct FamilyCommandTests {
    @Test func inspectNamesWhatGemmaChanges() throws {
        let result = try TollgateBinary.run(["inspect", Fixtures.url("families/gemma3/model.gguf").path])
        #expect(result.status == 0)
        let family = result.stdout.split(separator: "\n").first { $0.hasPrefix("family") }.map(String.init) ?? ""
        for phrase in ["head width 16", "GELU-tanh MLP", "q/k norms", "post-norms", "sliding window 8 on 6 of 7 layers",
                       "RoPE base 1000000.0", "RoPE base 10000.0", "q/k rows in HF order"] {
            #expect(family.contains(phrase), "\(phrase) in \(family)")
        }
        let json = try TollgateBinary.run(["inspect", "--json", Fixtures.url("families/phi3/model.gguf").path])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let features = object?["family_features"] as? [String] ?? []
        #expect(features.contains("fused qkv and gate-up"))
        #expect(features.contains { $0.contains("12 of 16 dims") && $0.contains("LongRoPE") })
    }

    @Test func unsupportedArchitectureIsExitTwoNamingTheSupportedOnes() throws {
        let source = try GGUFFile(url: Fixtures.url("families/qwen2/model.gguf"))
        var writer = GGUFWriter(alignment: source.alignment)
        for key in source.metadataKeys where key != "general.alignment" {
            if let value = source.metadata[key] {
                writer.set(key.hasPrefix("qwen2.") ? "mamba." + key.dropFirst("qwen2.".count) : key, value)
            }
        }
        writer.set("general.architecture", .string("mamba"))
        for tensor in source.tensors {
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: tensor.type, data: Array(source.rawData(tensor)))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-mamba-\(UUID()).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        let result = try TollgateBinary.run(["generate", "--model", url.path, "--max-tokens", "2", "hi"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("architecture mamba is not supported"))
        #expect(result.stderr.contains("llama, smollm3, qwen2, qwen3, phi3, gemma3"))
        let inspect = try TollgateBinary.run(["inspect", url.path])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("runs             no:"))
    }
}
