import Foundation
import Llama
import TensorKit
import Training

/// A small random Llama for property tests: 2 layers, width 8, 2 heads over 1 KV head, FFN 12, vocab 13.
func randomModel(seed: UInt64 = 11, tied: Bool = true) -> LlamaModel {
    let config = LlamaConfig(vocabSize: 13, dim: 8, hiddenDim: 12, layers: 2, heads: 2, kvHeads: 1, ropeBase: 10000,
                             rmsEps: 1e-5, contextLength: 64, tiedEmbeddings: tied)
    var random = TestRandom(seed)
    func buffer(_ count: Int, scale: Float = 1) -> FloatBuffer { FloatBuffer(random.array(count, scale: scale)) }
    func norm() -> FloatBuffer { FloatBuffer(random.array(8).map { 1 + 0.2 * $0 }) }
    let layers = (0..<config.layers).map { _ in
        LayerWeights(attnNorm: norm(), wq: buffer(8 * 8, scale: 0.5), wk: buffer(4 * 8, scale: 0.5), wv: buffer(4 * 8, scale: 0.5),
                     wo: buffer(8 * 8, scale: 0.5), ffnNorm: norm(), wGate: buffer(12 * 8, scale: 0.5),
                     wUp: buffer(12 * 8, scale: 0.5), wDown: buffer(8 * 12, scale: 0.5))
    }
    let embedding = buffer(13 * 8), finalNorm = norm(), head = tied ? nil : buffer(13 * 8)
    return LlamaModel(config: config, weights: LlamaWeights(tokenEmbedding: embedding, layers: layers, finalNorm: finalNorm,
                                                            lmHead: head))
}

func randomAdapter(shape: LlamaConfig, targets: [LoRAProjection] = LoRAProjection.allCases, seed: UInt64 = 12,
                   dropout: Float = 0) -> LoRAParameters {
    var lora = LoRAParameters(shape: shape, settings: LoRASettings(rank: 2, alpha: 3, targets: targets, dropout: dropout))
    var random = TestRandom(seed)
    lora.values = random.array(lora.values.count, scale: 0.4)
    return lora
}
