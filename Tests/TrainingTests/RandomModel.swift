import Foundation
import Training

/// A small random Llama for property tests: 2 layers, width 8, 2 heads over 1 KV head, FFN 12, vocab 13.
func randomWeights(seed: UInt64 = 11, tied: Bool = true) -> FrozenWeights {
    let shape = ModelShape(layers: 2, width: 8, heads: 2, kvHeads: 1, ffnWidth: 12, vocabulary: 13,
                           ropeBase: 10000, normEps: 1e-5)
    var random = TestRandom(seed)
    let layers = (0..<shape.layers).map { _ in
        LayerWeights(attentionNorm: random.array(8).map { 1 + 0.2 * $0 },
                     q: random.array(8 * 8, scale: 0.5), k: random.array(4 * 8, scale: 0.5), v: random.array(4 * 8, scale: 0.5),
                     o: random.array(8 * 8, scale: 0.5), ffnNorm: random.array(8).map { 1 + 0.2 * $0 },
                     gate: random.array(12 * 8, scale: 0.5), up: random.array(12 * 8, scale: 0.5), down: random.array(8 * 12, scale: 0.5))
    }
    return FrozenWeights(shape: shape, embedding: random.array(13 * 8), layers: layers,
                         outputNorm: random.array(8).map { 1 + 0.2 * $0 }, head: tied ? nil : random.array(13 * 8))
}

func randomAdapter(shape: ModelShape, targets: [LoRAProjection] = LoRAProjection.allCases, seed: UInt64 = 12,
                   dropout: Float = 0) -> LoRAParameters {
    var lora = LoRAParameters(shape: shape, settings: LoRASettings(rank: 2, alpha: 3, targets: targets, dropout: dropout))
    var random = TestRandom(seed)
    lora.values = random.array(lora.values.count, scale: 0.4)
    return lora
}
