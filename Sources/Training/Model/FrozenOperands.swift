import Foundation
import TensorKit

/// The frozen weights' products of one training job, in its `ComputePrecision`, prepared once:
/// - `f32`: each projection moves into its own aligned buffer; the LM head is read from the
///   embedding (or output) array in place.
/// - `bf16`: each projection and the LM head are packed for both products (`BF16Weight`); the
///   float32 projections are dropped, so the packs take the memory the float32 copies took, plus
///   4 bytes per head weight (113 MB for SmolLM2's tied 49152 × 576 head).
/// Legend: L layers, C width, V vocabulary.
final class FrozenOperands: @unchecked Sendable {
    let precision: ComputePrecision
    /// f32: (L) × projection → W (out, in).
    private let buffers: [[LoRAProjection: FloatBuffer]]
    /// bf16: (L) × projection → W packed.
    private let packs: [[LoRAProjection: BF16Weight]]
    /// bf16: the LM head (V, C) packed.
    private let headPack: BF16Weight?

    /// Takes the projection matrices out of `weights` (their arrays are left empty: held once, here).
    /// Throws `precisionUnavailable` when the CPU cannot run `precision`.
    init(weights: inout FrozenWeights, precision: ComputePrecision) throws {
        if let reason = precision.unavailableReason { throw TrainingError.precisionUnavailable(reason: reason) }
        self.precision = precision
        let shape = weights.shape
        var buffers: [[LoRAProjection: FloatBuffer]] = []
        var packs: [[LoRAProjection: BF16Weight]] = []
        for l in 0..<weights.layers.count {
            var layerBuffers: [LoRAProjection: FloatBuffer] = [:]
            var layerPacks: [LoRAProjection: BF16Weight] = [:]
            for projection in LoRAProjection.allCases {
                let (input, output) = shape.dimensions(of: projection)
                switch precision {
                case .f32: layerBuffers[projection] = FloatBuffer(weights.layers[l][projection])
                case .bf16: layerPacks[projection] = try Self.pack(weights.layers[l][projection], output, input)
                }
                weights.layers[l][projection] = []
            }
            buffers.append(layerBuffers)
            packs.append(layerPacks)
        }
        self.buffers = buffers
        self.packs = packs
        headPack = precision == .bf16
            ? try Self.pack(weights.head ?? weights.embedding, shape.vocabulary, shape.width) : nil
    }

    /// Layer l's projection W (out, in).
    func projection(_ l: Int, _ projection: LoRAProjection) -> FrozenOperand {
        switch precision {
        case .f32: return .f32(buffers[l][projection]!.p)
        case .bf16: return .bf16(packs[l][projection]!)
        }
    }

    /// Calls body with the LM head W (V, C): the packs, or `weights`' head (or tied embedding) in place.
    func withHead<R>(_ weights: FrozenWeights, _ body: (FrozenOperand) throws -> R) rethrows -> R {
        if let headPack { return try body(.bf16(headPack)) }
        return try (weights.head ?? weights.embedding).withUnsafeBufferPointer { try body(.f32($0.baseAddress!)) }
    }

    /// Runs `body` with the BLAS threading its products want. In bf16 the float32 products left (the
    /// adapters', attention's) are small and run on one OpenBLAS thread: a multi-threaded sgemm leaves
    /// OpenBLAS's own threads spinning (yielding) after it, on the cores the bf16 products' pool
    /// workers need. Measured on bench's training line: 501–522 tok/s before, 555–612 after.
    func withProductThreads<R>(_ body: () -> R) -> R {
        precision == .bf16 ? withSingleThreadedBLAS(body) : body()
    }

    private static func pack(_ weight: [Float], _ outFeatures: Int, _ inFeatures: Int) throws -> BF16Weight {
        let packed = weight.withUnsafeBufferPointer {
            BF16Weight(weight: $0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures)
        }
        guard let packed else {
            throw TrainingError.precisionUnavailable(reason: ComputePrecision.bf16.unavailableReason ?? "bf16 packing failed")
        }
        return packed
    }
}
