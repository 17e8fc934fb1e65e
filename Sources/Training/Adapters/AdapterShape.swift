import Foundation
import Llama
import ModelIO

extension LlamaConfig {
    /// The dimensions an adapter file implies, for reading it without its base model. The head
    /// layout is unknown (head dim 1 stands in), so q/k rows cannot be reordered with this shape.
    public static func implied(byAdapter path: String) throws -> LlamaConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TrainingError.io(path: path, reason: "no such adapter; pass a PEFT adapter directory or a llama.cpp LoRA .gguf")
        }
        // name → (rows, cols) of A and B per projection, layer count
        var aShapes: [LoRAProjection: [Int]] = [:], bShapes: [LoRAProjection: [Int]] = [:]
        var layers = 0
        if isDirectory.boolValue {
            let file = try SafeTensors.read(url: URL(fileURLWithPath: path).appendingPathComponent(PEFTAdapter.weightsName))
            for name in file.names {
                let parts = name.split(separator: ".")
                guard let index = parts.firstIndex(of: "layers"), index + 1 < parts.count, let layer = Int(parts[index + 1]) else { continue }
                layers = max(layers, layer + 1)
                for projection in LoRAProjection.allCases where name.contains(".\(projection.hfModuleName).") {
                    if name.hasSuffix("lora_A.weight") { aShapes[projection] = file.shape(name) }
                    if name.hasSuffix("lora_B.weight") { bShapes[projection] = file.shape(name) }
                }
            }
        } else {
            let file = try GGUFFile(url: URL(fileURLWithPath: path))
            for tensor in file.tensors {
                let parts = tensor.name.split(separator: ".")
                guard parts.count > 2, parts[0] == "blk", let layer = Int(parts[1]) else { continue }
                layers = max(layers, layer + 1)
                for projection in LoRAProjection.allCases where parts[2] == projection.ggufName {
                    if tensor.name.hasSuffix("lora_a") { aShapes[projection] = tensor.rowMajorShape }
                    if tensor.name.hasSuffix("lora_b") { bShapes[projection] = tensor.rowMajorShape }
                }
            }
        }
        func input(_ p: LoRAProjection) -> Int? { aShapes[p].flatMap { $0.count == 2 ? $0[1] : nil } }
        func output(_ p: LoRAProjection) -> Int? { bShapes[p].flatMap { $0.count == 2 ? $0[0] : nil } }
        let width = input(.q) ?? input(.k) ?? input(.v) ?? input(.gate) ?? input(.up) ?? output(.o) ?? output(.down) ?? output(.q)
        guard let width, layers > 0 else {
            throw TrainingError.badAdapterConfig(file: path, reason: "holds no LoRA tensors Tollgate recognises")
        }
        let kvWidth = output(.k) ?? output(.v) ?? width
        let qWidth = output(.q) ?? input(.o) ?? width  // NH·HD, which is not C in Qwen3 and Gemma 3
        let ffn = output(.gate) ?? output(.up) ?? input(.down) ?? 0
        return LlamaConfig(vocabSize: 0, dim: width, hiddenDim: ffn, layers: layers, heads: qWidth, kvHeads: kvWidth,
                           ropeBase: 10000, rmsEps: 1e-5, contextLength: 0, tiedEmbeddings: true, headDim: 1)
    }
}
