import Foundation
import Llama
import ModelIO

/// Folds an adapter into its base model: W ← W + scale·B·A, written as a complete GGUF with all of
/// the base model's metadata. q/k deltas are computed in HF row order and moved to GGUF order.
public enum AdapterFusion {
    /// Tensor types `tollgate fuse --type` can write.
    public static let writableTypes: [String: GGMLType] = ["f32": .f32, "f16": .f16, "q8_0": .q8_0, "q4_0": .q4_0, "q4_1": .q4_1]

    /// The fusion recipe's version: raised whenever `fuse` writes different bytes for the same
    /// model, adapter and type, so that files kept beside their inputs are made again.
    /// 2: at 4 bits the output matrix stays Q8_0; `general.file_type` follows the type.
    public static let recipe = 2

    /// llama.cpp's `general.file_type` (enum llama_ftype) for a model mostly of `type`.
    static let fileTypes: [GGMLType: UInt32] = [.f32: 0, .f16: 1, .q4_0: 2, .q4_1: 3, .q8_0: 7]

    /// type nil: adapted projections are written as F32 and every other tensor is copied as it is;
    /// with a type, every matrix whose rows fit the type's blocks is re-encoded in it — except that
    /// at 4 bits the output matrix (`output.weight`, or `token_embd.weight` when the embeddings are
    /// tied) is written as Q8_0, as llama-quantize keeps it at higher precision (Q6_K there): the
    /// LM head quantized to 4 bits costs far more accuracy than any other matrix.
    public static func fuse(model: URL, adapter: String, output: URL, type: GGMLType?) throws {
        let gguf = try GGUFFile(url: model)
        let shape = try LlamaConfig(gguf: gguf)
        let parameters = try AdapterLoader.loadParameters(path: adapter, shape: shape)
        var writer = GGUFWriter(alignment: gguf.alignment)
        for key in gguf.metadataKeys where key != "general.alignment" {
            if let value = gguf.metadata[key] { writer.set(key, value) }
        }
        if let type, let fileType = fileTypes[type] { writer.set("general.file_type", .uint32(fileType)) }
        let outputMatrix = gguf.tensor(named: "output.weight") != nil ? "output.weight" : "token_embd.weight"
        let r = parameters.settings.rank, scale = parameters.settings.scale
        let modules = Dictionary(uniqueKeysWithValues: parameters.modules.map { ("blk.\($0.layer).\($0.ggufName).weight", $0) })
        for tensor in gguf.tensors {
            let module = modules[tensor.name]
            let isMatrix = tensor.dimensions.count == 2
            let reencode = type != nil && isMatrix && tensor.rowLength % type!.blockSize == 0
            if module == nil && !reencode {
                try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: tensor.type,
                                     data: Array(gguf.rawData(tensor)))
                continue
            }
            var values = try gguf.dequantize(tensor)
            if let module {
                let a = parameters.a(module), b = parameters.b(module)
                // (Σ out, in) in HF row order, the members' blocks stacked as the fused tensor stacks them
                var delta = [Float](repeating: 0, count: module.output * module.input)
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        delta.withUnsafeMutableBufferPointer { dp in
                            gemm(transposeA: false, transposeB: false, m: module.output, n: module.input, k: r, alpha: scale,
                                 a: bp.baseAddress!, lda: r, b: ap.baseAddress!, ldb: module.input, beta: 0,
                                 c: dp.baseAddress!, ldc: module.input)
                        }
                    }
                }
                var rowOffset = 0
                for slot in module.slots {
                    let block = (rowOffset * slot.input)..<((rowOffset + slot.output) * slot.input)
                    if let heads = GGUFAdapter.ropeHeads(slot.projection, shape) {
                        delta.replaceSubrange(block, with: RoPEPermutation.hfToGGUF(Array(delta[block]), rows: slot.output,
                                                                                    cols: slot.input, heads: heads))
                    }
                    rowOffset += slot.output
                }
                guard delta.count == values.count else {
                    throw TrainingError.weightShape(name: tensor.name, expected: delta.count, found: values.count)
                }
                for i in values.indices { values[i] += delta[i] }
            }
            var outputType: GGMLType = reencode ? type! : .f32
            if reencode, tensor.name == outputMatrix, [.q4_0, .q4_1].contains(outputType),
               tensor.rowLength % GGMLType.q8_0.blockSize == 0 {
                outputType = .q8_0
            }
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, values: values, type: outputType)
        }
        try writer.write(to: output)
    }

    /// `tollgate export`: the adapter at `adapter` (either format) in PEFT layout (a directory) or as
    /// a llama.cpp LoRA GGUF. Moving q/k rows between the formats needs the base model's heads.
    public static func export(adapter: String, model: URL?, format: AdapterFormat, output: URL) throws {
        let shape = try model.map { try LlamaConfig(gguf: try GGUFFile(url: $0)) } ?? LlamaConfig.implied(byAdapter: adapter)
        let isGGUFInput = !adapter.hasSuffix("/") && (try? FileManager.default.attributesOfItem(atPath: adapter)[.type] as? FileAttributeType) == .typeRegular
        let parameters = try AdapterLoader.loadParameters(path: adapter, shape: shape)
        let crossesFormats = isGGUFInput != (format == .gguf)
        if model == nil, crossesFormats, parameters.settings.targets.contains(where: { $0 == .q || $0 == .k }) {
            throw TrainingError.badAdapterConfig(file: adapter, reason: "adapts q or k, whose rows GGUF orders per attention head; pass --model with the base GGUF")
        }
        let baseModel = model?.lastPathComponent ?? "unknown"
        switch format {
        case .peft: try PEFTAdapter.save(parameters, to: output, baseModel: baseModel)
        case .gguf: try GGUFAdapter.save(parameters, shape: shape, to: output, baseModel: baseModel)
        }
    }
}

/// The two adapter formats Tollgate reads and writes.
public enum AdapterFormat: String, CaseIterable, Sendable {
    case peft, gguf
}
