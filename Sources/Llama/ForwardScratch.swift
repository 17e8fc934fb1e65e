import Foundation
import TensorKit

/// The buffers of a forward call that keeps no activations, sized for up to `capacity` tokens and
/// reused from call to call, so that a decode step allocates nothing per layer or per token.
final class ForwardScratch: @unchecked Sendable {
    let capacity: Int
    let stream: FloatBuffer       // (N, C) residual stream, updated in place
    let projected: FloatBuffer    // (N, C) attention output projection, then the MLP output
    let finalRstd: FloatBuffer    // (N)
    let finalNormed: FloatBuffer  // (N, C) input of the LM head
    let rope: [RotaryAngles]      // cos and sin of each token's angles, one pair per rotary table
    /// One layer's intermediates, reused by every layer, with buffers shared where values die early;
    /// its attention residual is `stream`.
    let layer: LayerActivations
    /// bf16 or int8 outputs of projections packed together, grown on first use.
    let joined = GrowingBuffer()

    init(config: LlamaConfig, capacity: Int) {
        self.capacity = capacity
        stream = FloatBuffer(count: capacity * config.dim)
        projected = FloatBuffer(count: capacity * config.dim)
        finalRstd = FloatBuffer(count: capacity)
        finalNormed = FloatBuffer(count: capacity * config.dim)
        rope = config.family.rope.map { RotaryAngles(capacity: capacity, dimensions: $0.dimensions) }
        layer = LayerActivations(config: config, tokens: capacity, probabilityCount: 0, ffnResidual: stream, sharing: true)
    }
}

/// Scratches not in use. A forward call takes the smallest that fits and gives it back, so
/// concurrent calls never share one and a run of decode steps keeps reusing the same buffers.
final class ForwardScratchPool: @unchecked Sendable {
    /// Idle scratches kept at most; the smallest is dropped beyond this.
    static let limit = 4
    private let lock = NSLock()
    private var idle: [ForwardScratch] = []

    func take(config: LlamaConfig, tokens: Int) -> ForwardScratch {
        lock.lock()
        let fitting = idle.indices.filter { idle[$0].capacity >= tokens }
        if let best = fitting.min(by: { idle[$0].capacity < idle[$1].capacity }) {
            let scratch = idle.remove(at: best)
            lock.unlock()
            return scratch
        }
        lock.unlock()
        return ForwardScratch(config: config, capacity: tokens)
    }

    func give(_ scratch: ForwardScratch) {
        lock.lock()
        defer { lock.unlock() }
        idle.append(scratch)
        if idle.count > Self.limit, let smallest = idle.indices.min(by: { idle[$0].capacity < idle[$1].capacity }) {
            idle.remove(at: smallest)
        }
    }
}
