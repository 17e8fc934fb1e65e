import Foundation
import ModelIO
import TensorKit

/// The projections as the decode kernels read them. Where the GGUF stores a matrix in a block
/// format the kernels know (Q4_0, Q4_1, Q5_0, Q8_0, F16; Q4_K and Q6_K repacked) they read the
/// file's own bytes, memory-mapped
/// (attn_q and attn_k in a copy with rows in Hugging Face order); anything else is read from the
/// Float32 weights. Every value the kernels multiply equals the dequantized Float32 weight, so
/// either source gives the Float32 product up to summation order.
public struct DecodeWeights: @unchecked Sendable {
    public struct Layer: @unchecked Sendable {
        /// Every projection of the block, (out, in) as `LoRATarget.features` gives them.
        public var projections: [LoRATarget: QuantizedMatrix]

        public func projection(_ target: LoRATarget) -> QuantizedMatrix { projections[target]! }
    }

    public var layers: [Layer]
    /// (V, C): the LM head, or the token embedding when tied.
    public var output: QuantizedMatrix

    /// Bytes of weights one decode step reads for each sequence at batch 1: every projection and the LM head.
    public var bytesPerToken: Int {
        layers.map { $0.projections.values.map(\.byteCount).reduce(0, +) }.reduce(0, +) + output.byteCount
    }

    /// Every projection read from `weights` in Float32.
    public init(float32 weights: LlamaWeights, config: LlamaConfig) {
        layers = weights.layers.map { w in
            var projections: [LoRATarget: QuantizedMatrix] = [:]
            for target in LoRATarget.allCases {
                let (inFeatures, outFeatures) = target.features(config)
                projections[target] = QuantizedMatrix(float32: w.projection(target), rows: outFeatures, cols: inFeatures)
            }
            return Layer(projections: projections)
        }
        output = QuantizedMatrix(float32: weights.outputWeight, rows: config.vocabSize, cols: config.dim)
    }

    /// The file's blocks where the kernels read their format, else `weights` (already checked
    /// against the file's shapes by the loader).
    init(file: GGUFFile, weights: LlamaWeights, config: LlamaConfig) {
        self.init(float32: weights, config: config)
        for l in 0..<config.layers {
            for target in LoRATarget.allCases {
                var heads = target == .q ? config.heads : target == .k ? config.kvHeads : nil
                if !config.family.permutedQK { heads = nil }
                let (inFeatures, outFeatures) = target.features(config)
                if let matrix = Self.fileMatrix(file, "blk.\(l).\(target.ggufName).weight", shape: [outFeatures, inFeatures],
                                                ropeHeads: heads) {
                    layers[l].projections[target] = matrix
                }
            }
        }
        let head = config.tiedEmbeddings ? "token_embd.weight" : "output.weight"
        output = Self.fileMatrix(file, head, shape: [config.vocabSize, config.dim]) ?? output
    }

    /// The tensor's bytes as a matrix when its type is a block format the kernels read and it is
    /// the projection's own (`shape`, row-major; a fused tensor is not): the file's own bytes, or for
    /// Q4_K and Q6_K a repacked copy (`KQuantRepacking`; 1.3× and 1.5× their size, still a fraction
    /// of Float32). F32 is left to the Float32 weights, which are already in the right row order.
    private static func fileMatrix(_ file: GGUFFile, _ name: String, shape: [Int], ropeHeads: Int? = nil) -> QuantizedMatrix? {
        guard let tensor = file.tensor(named: name), tensor.dimensions.count == 2, tensor.rowMajorShape == shape,
              let format = format(of: tensor.type) else { return nil }
        let source = file.rawData(tensor).baseAddress!
        let matrix: QuantizedMatrix
        switch tensor.type {
        case .q4_K, .q6_K:
            let superBlocks = tensor.rowCount * tensor.rowLength / 256
            matrix = QuantizedMatrix(format: format, rows: tensor.rowCount, cols: tensor.rowLength) { destination in
                if tensor.type == .q4_K {
                    KQuantRepacking.q4_K(source, destination, superBlocks: superBlocks)
                } else {
                    KQuantRepacking.q6_K(source, destination, superBlocks: superBlocks)
                }
            }
        default:
            matrix = QuantizedMatrix(format: format, rows: tensor.rowCount, cols: tensor.rowLength, bytes: source, owner: file)
        }
        guard let heads = ropeHeads else { return matrix }
        return matrix.reorderingRows((0..<matrix.rows).map {
            RoPEPermutation.ggufRow(forHFRow: $0, rows: matrix.rows, heads: heads)
        })
    }

    static func format(of type: GGMLType) -> QuantizedMatrix.Format? {
        switch type {
        case .f16: return .f16
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q8_0: return .q8_0
        case .q4_K: return .q4_KX
        case .q6_K: return .q6_KX
        default: return nil
        }
    }
}
