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

    /// A Float32 copy of a tied embedding above this size is not made for inference
    /// (`fileEmbedding`): SmolLM2's 113 MB is kept, Gemma 3's 671 MB and Qwen2.5's 544 MB are not.
    public static let float32EmbeddingLimit = 256 << 20

    /// The token embedding as the file stores it, when the model should read it there instead of a
    /// Float32 copy: tied (it is also the LM head), in a block format whose rows the kernels read and
    /// `ModelIO` dequantizes, and larger than `float32EmbeddingLimit` in Float32.
    static func fileEmbedding(_ file: GGUFFile, config: LlamaConfig) -> QuantizedMatrix? {
        guard config.tiedEmbeddings, config.vocabSize * config.dim * 4 > float32EmbeddingLimit,
              let tensor = file.tensor(named: "token_embd.weight"), [.f16, .q4_0, .q4_1, .q5_0, .q8_0].contains(tensor.type) else {
            return nil
        }
        return fileMatrix(file, "token_embd.weight", shape: [config.vocabSize, config.dim])
    }

    /// Every projection read from `weights` in Float32 (the LM head too, unless `output` is given:
    /// weights without a Float32 embedding keep the file's).
    public init(float32 weights: LlamaWeights, config: LlamaConfig, output: QuantizedMatrix? = nil) {
        layers = weights.layers.map { w in
            var projections: [LoRATarget: QuantizedMatrix] = [:]
            for target in LoRATarget.allCases {
                let (inFeatures, outFeatures) = target.features(config)
                projections[target] = QuantizedMatrix(float32: w.projection(target), rows: outFeatures, cols: inFeatures)
            }
            return Layer(projections: projections)
        }
        self.output = output ?? QuantizedMatrix(float32: weights.outputWeight, rows: config.vocabSize, cols: config.dim)
    }

    /// The file's blocks where the kernels read their format, else `weights` (already checked
    /// against the file's shapes by the loader); `fileEmbedding` when the weights hold no Float32 copy
    /// of the embedding.
    init(file: GGUFFile, weights: LlamaWeights, config: LlamaConfig, fileEmbedding: QuantizedMatrix?) {
        self.init(float32: weights, config: config, output: fileEmbedding)
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

extension QuantizedMatrix {
    /// Rows `rows` in Float32, as the dequantizer writes them, into `out` (rows.count × cols): the
    /// tied embedding's rows for a model that keeps no Float32 copy of it (`DecodeWeights.fileEmbedding`).
    func dequantizeRows(_ rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        guard let type = GGMLType(rawValue: UInt32(format.rawValue)), rows.lowerBound >= 0, rows.upperBound <= self.rows else {
            throw LlamaError.invalidConfig(source: "embedding", reason: "rows \(rows) of a \(self.rows)-row \(format) matrix cannot be read")
        }
        try Dequantization.dequantize(type, source: UnsafeRawBufferPointer(start: bytes + rows.lowerBound * rowBytes,
                                                                           count: rows.count * rowBytes),
                                      count: rows.count * cols, into: out, tensorName: "token_embd.weight")
    }
}
