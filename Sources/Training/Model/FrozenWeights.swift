import Foundation

/// One decoder layer's frozen weights in float32, HF layout: a projection is (out, in) row-major and
/// q/k rows are in HF order (un-permuted from GGUF), matching the rotate-half RoPE.
public struct LayerWeights: Sendable {
    public var attentionNorm: [Float]   // (C)
    public var q: [Float]               // (NH·HD, C)
    public var k: [Float]               // (NKV·HD, C)
    public var v: [Float]               // (NKV·HD, C)
    public var o: [Float]               // (C, NH·HD)
    public var ffnNorm: [Float]         // (C)
    public var gate: [Float]            // (F, C)
    public var up: [Float]              // (F, C)
    public var down: [Float]            // (C, F)

    public init(attentionNorm: [Float], q: [Float], k: [Float], v: [Float], o: [Float], ffnNorm: [Float],
                gate: [Float], up: [Float], down: [Float]) {
        self.attentionNorm = attentionNorm; self.q = q; self.k = k; self.v = v; self.o = o
        self.ffnNorm = ffnNorm; self.gate = gate; self.up = up; self.down = down
    }

    public subscript(projection: LoRAProjection) -> [Float] {
        get {
            switch projection {
            case .q: return q
            case .k: return k
            case .v: return v
            case .o: return o
            case .gate: return gate
            case .up: return up
            case .down: return down
            }
        }
        set {
            switch projection {
            case .q: q = newValue
            case .k: k = newValue
            case .v: v = newValue
            case .o: o = newValue
            case .gate: gate = newValue
            case .up: up = newValue
            case .down: down = newValue
            }
        }
    }
}

/// The whole frozen base model in float32.
public struct FrozenWeights: Sendable {
    public var shape: ModelShape
    public var embedding: [Float]       // (V, C)
    public var layers: [LayerWeights]
    public var outputNorm: [Float]      // (C)
    /// (V, C); nil when the head is tied to the embedding.
    public var head: [Float]?

    public init(shape: ModelShape, embedding: [Float], layers: [LayerWeights], outputNorm: [Float], head: [Float]?) {
        self.shape = shape; self.embedding = embedding; self.layers = layers; self.outputNorm = outputNorm; self.head = head
    }

    /// Checks every tensor's size against the shape; throws naming the first that disagrees.
    public func validate() throws {
        let s = shape
        func check(_ name: String, _ array: [Float], _ count: Int) throws {
            if array.count != count { throw TrainingError.weightShape(name: name, expected: count, found: array.count) }
        }
        try check("token_embd.weight", embedding, s.vocabulary * s.width)
        try check("output_norm.weight", outputNorm, s.width)
        if let head { try check("output.weight", head, s.vocabulary * s.width) }
        if layers.count != s.layers { throw TrainingError.weightShape(name: "layers", expected: s.layers, found: layers.count) }
        for (l, layer) in layers.enumerated() {
            try check("blk.\(l).attn_norm.weight", layer.attentionNorm, s.width)
            try check("blk.\(l).ffn_norm.weight", layer.ffnNorm, s.width)
            for projection in LoRAProjection.allCases {
                let (input, output) = s.dimensions(of: projection)
                try check("blk.\(l).\(projection.ggufName).weight", layer[projection], input * output)
            }
        }
    }
}
