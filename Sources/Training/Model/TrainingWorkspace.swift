import Foundation
import Llama
import TensorKit

/// Every buffer of one `accumulateGradients` call, kept by the model between calls: a step then
/// allocates, zero-fills and page-faults nothing (about a gigabyte for SmolLM2 at batch 8 × 128,
/// which the allocator otherwise hands back to the kernel and faults in again every step).
/// Sized by capacity, so length-bucketed batches of different shapes share one workspace that grows
/// to the largest. Legend: N = B·T rows, C width, V vocabulary.
final class TrainingWorkspace {
    let rows: Int
    /// Kept attention-probability rows per head, Σ over sequences of T·T.
    let attentionRows: Int
    let lora: LoRASettings
    /// What the forward pass keeps for the backward pass.
    let activations: ForwardActivations
    let dfinal: FloatBuffer         // (N, C)
    /// Two (N, C) gradient buffers that take turns as a layer's output and input gradient.
    let dresidual: (FloatBuffer, FloatBuffer)
    let scratch: LayerGradients
    /// The LM head's logits for one chunk of loss rows, (min(N, chunk), V).
    let headLogits: FloatBuffer

    /// `recomputedLayers`: the first layers whose intermediates are computed again in backward
    /// (`ForwardActivations.recomputedLayers(within:…)`).
    init(config: LlamaConfig, rows: Int, attentionRows: Int, lora: LoRASettings, recomputedLayers: Int) {
        self.rows = rows; self.attentionRows = attentionRows; self.lora = lora
        let c = config.dim
        // only the adapted projections' inputs are kept: the backward pass reads no other
        activations = ForwardActivations(config: config, capacity: rows, probabilityCapacity: config.heads * attentionRows,
                                         adapted: Set(lora.targets), recomputedLayers: recomputedLayers)
        dfinal = FloatBuffer(count: rows * c)
        dresidual = (FloatBuffer(count: rows * c), FloatBuffer(count: rows * c))
        scratch = LayerGradients(config: config, n: rows)
        headLogits = FloatBuffer(count: min(rows, crossEntropyChunkRows(vocabulary: config.vocabSize)) * config.vocabSize)
    }

    /// Whether a step of B·T = `rows` tokens with these settings fits in this workspace.
    func fits(rows: Int, attentionRows: Int, lora: LoRASettings, recomputedLayers: Int) -> Bool {
        rows <= self.rows && attentionRows <= self.attentionRows && lora == self.lora
            && recomputedLayers == activations.recomputedLayers
    }
}
