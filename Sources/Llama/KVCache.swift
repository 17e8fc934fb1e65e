import TensorKit

/// Keys (after RoPE) and values for `slots` sequences of up to `capacity` positions, per layer:
/// keys and values are each (L, slots, capacity, KVH*HD).
public final class KVCache: @unchecked Sendable {
    public let layers: Int
    public let slots: Int
    public let capacity: Int
    public let kvDim: Int
    public let keys: FloatBuffer
    public let values: FloatBuffer

    public init(config: LlamaConfig, slots: Int, capacity: Int) {
        layers = config.layers
        self.slots = slots
        self.capacity = capacity
        kvDim = config.kvDim
        keys = FloatBuffer(count: layers * slots * capacity * kvDim)
        values = FloatBuffer(count: layers * slots * capacity * kvDim)
    }

    /// Row 0 of slot `slot` in layer `layer`; position p is `kvDim * p` floats further.
    @inline(__always)
    public func keys(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + ((layer * slots + slot) * capacity) * kvDim
    }

    @inline(__always)
    public func values(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + ((layer * slots + slot) * capacity) * kvDim
    }

    public var bytes: Int { 2 * layers * slots * capacity * kvDim * MemoryLayout<Float>.stride }
}

/// A run of consecutive tokens of one sequence in a forward call: they occupy cache slot `slot` at
/// positions start ..< start + count, and attend to every earlier position of that slot.
public struct SequenceSegment: Sendable, Equatable {
    public var slot: Int
    public var start: Int
    public var count: Int
    /// The length the kernels are chosen by (`RowRoutes`, `Attention`): `count`, except for the rest
    /// of a prompt whose first `start` tokens came from a shared prefix (`SharedPrefix`), where it is
    /// the whole prompt's, so those rows take the kernels an unsplit prefill gives them.
    public var routeLength: Int

    public init(slot: Int, start: Int, count: Int, routeLength: Int? = nil) {
        self.slot = slot
        self.start = start
        self.count = count
        self.routeLength = routeLength ?? count
    }

    /// Keys a token of this segment can see at most: start + count.
    public var end: Int { start + count }
}
