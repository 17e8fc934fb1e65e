import TensorKit

/// A LoRA adapter as the forward pass multiplies it: for each layer and adapted projection, A (R, in)
/// and B (out, R) as pointers into storage this value keeps alive, the scale, and — when training —
/// the dropout of the adapter's input. An inference `LoRAAdapter` and training's flat parameter
/// vector both become one of these, so one forward serves both.
public struct AdapterOperands: @unchecked Sendable {
    public struct Pair: @unchecked Sendable {
        public let a: UnsafePointer<Float>
        public let b: UnsafePointer<Float>
        public let rank: Int

        public init(a: UnsafePointer<Float>, b: UnsafePointer<Float>, rank: Int) {
            self.a = a
            self.b = b
            self.rank = rank
        }
    }

    /// Every adapted output is y += scale · (drop(x) · Aᵀ) · Bᵀ.
    public let scale: Float
    /// layers[l][target]; a target missing from a layer is not adapted there.
    let layers: [[LoRATarget: Pair]]
    public let dropout: LoRADropout?
    /// What the pointers point into.
    private let storage: AnyObject?

    /// Pairs at offsets of `values`, which this keeps alive.
    public init(values: FloatBuffer, scale: Float, layers: [[LoRATarget: (aOffset: Int, bOffset: Int, rank: Int)]],
                dropout: LoRADropout? = nil) {
        self.scale = scale
        self.layers = layers.map { layer in
            layer.mapValues { Pair(a: values.pointer + $0.aOffset, b: values.pointer + $0.bOffset, rank: $0.rank) }
        }
        self.dropout = dropout
        storage = values
    }

    /// An inference adapter's arrays copied into one buffer.
    public init(_ adapter: LoRAAdapter) {
        var total = 0
        var offsets: [[LoRATarget: (aOffset: Int, bOffset: Int, rank: Int)]] = []
        for layer in adapter.layers {
            var perLayer: [LoRATarget: (aOffset: Int, bOffset: Int, rank: Int)] = [:]
            for (target, weights) in layer {
                perLayer[target] = (total, total + weights.a.count, weights.rank)
                total += weights.a.count + weights.b.count
            }
            offsets.append(perLayer)
        }
        let values = FloatBuffer(count: total)
        for (l, layer) in adapter.layers.enumerated() {
            for (target, weights) in layer {
                let at = offsets[l][target]!
                (values.pointer + at.aOffset).update(from: weights.a, count: weights.a.count)
                (values.pointer + at.bOffset).update(from: weights.b, count: weights.b.count)
            }
        }
        self.init(values: values, scale: adapter.config.scale, layers: offsets)
    }

    /// The pair of `target` in layer `l`, if adapted.
    func pair(layer l: Int, target: LoRATarget) -> Pair? {
        l < layers.count ? layers[l][target] : nil
    }
}

/// Dropout of an adapter's input while training: drop(x) = x ⊙ mask.
public struct LoRADropout: Sendable {
    public let probability: Float
    /// Writes the mask of (layer, target) — `count` entries, each 0 or 1/(1 − p) — as a function of
    /// the layer and target only, so a recomputed layer draws the same mask.
    public let fill: @Sendable (_ layer: Int, _ target: LoRATarget, _ mask: UnsafeMutablePointer<Float>, _ count: Int) -> Void

    public init(probability: Float,
                fill: @escaping @Sendable (_ layer: Int, _ target: LoRATarget, _ mask: UnsafeMutablePointer<Float>, _ count: Int) -> Void) {
        self.probability = probability
        self.fill = fill
    }
}
