import Foundation
import TensorKit

/// Every buffer of one `accumulateGradients` call, kept by the model between calls: a step then
/// allocates, zero-fills and page-faults nothing (about a gigabyte for SmolLM2 at batch 8 × 128,
/// which the allocator otherwise hands back to the kernel and faults in again every step).
/// Sized by capacity, so length-bucketed batches of different shapes share one workspace that grows
/// to the largest. Legend: N = B·T rows, C width, L layers.
final class TrainingWorkspace {
    let rows: Int
    let attentionRows: Int
    let lora: LoRASettings
    let keepsEveryLayer: Bool
    /// The residual stream at each layer's input, (L + 1) × (N, C).
    let residuals: [FloatBuffer]
    /// One per layer, or a single one reused for every layer when activations are recomputed.
    let layers: [LayerActivations]
    let finalNorm: FloatBuffer      // (N, C)
    let finalRstd: FloatBuffer      // (N)
    let dfinal: FloatBuffer         // (N, C)
    /// Two (N, C) gradient buffers that take turns as a layer's output and input gradient.
    let dresidual: (FloatBuffer, FloatBuffer)
    let scratch: LayerGradients
    /// The LM head's logits for one chunk of loss rows, (min(N, chunk), V).
    let headLogits: FloatBuffer
    /// Where a recomputed layer writes its (unused) output; empty when every layer is kept.
    let recomputedOutput: FloatBuffer

    init(shape: ModelShape, rows: Int, attentionRows: Int, lora: LoRASettings, keepsEveryLayer: Bool) {
        self.rows = rows; self.attentionRows = attentionRows; self.lora = lora; self.keepsEveryLayer = keepsEveryLayer
        let c = shape.width
        residuals = (0...shape.layers).map { _ in FloatBuffer(count: rows * c) }
        layers = (0..<(keepsEveryLayer ? shape.layers : 1)).map { _ in
            LayerActivations(shape: shape, rows: rows, attentionRows: attentionRows, lora: lora)
        }
        finalNorm = FloatBuffer(count: rows * c); finalRstd = FloatBuffer(count: rows)
        dfinal = FloatBuffer(count: rows * c)
        dresidual = (FloatBuffer(count: rows * c), FloatBuffer(count: rows * c))
        scratch = LayerGradients(shape: shape, n: rows)
        recomputedOutput = FloatBuffer(count: keepsEveryLayer ? 0 : rows * c)
        headLogits = FloatBuffer(count: min(rows, crossEntropyChunkRows) * shape.vocabulary)
    }

    /// Whether a step of B·T = `rows` tokens with these settings fits in this workspace.
    func fits(rows: Int, attentionRows: Int, lora: LoRASettings, keepsEveryLayer: Bool) -> Bool {
        rows <= self.rows && attentionRows <= self.attentionRows && lora == self.lora
            && keepsEveryLayer == self.keepsEveryLayer
    }

    /// Activations of layer `l`.
    func layer(_ l: Int) -> LayerActivations { keepsEveryLayer ? layers[l] : layers[0] }
}
