import Foundation
import TensorKit

/// Which positions of a forward call get logits.
public enum LogitRows: Sendable, Equatable {
    /// Every token (scoring).
    case all
    /// The last token of each segment (generation).
    case lastOfEachSegment
    /// None: the caller applies the LM head itself (training, where the loss is taken); the
    /// final-norm output comes back as `ForwardResult.hidden`.
    case none
}

/// What a model is loaded for, which decides the forms its weights are held in.
public enum ModelUse: Sendable, Equatable {
    /// Generation and scoring: in `.f32` decode reads the model file's quantized blocks (the file
    /// stays mapped), in `.bf16` and `.int8` each projection is packed for the forward product only.
    case inference
    /// Training: every product in Float32 sgemm (`.f32`, the file is not kept) or packs for both
    /// the forward product and the input gradient (`.bf16`, `.int8`); see `frozenOperand`.
    case training
}

/// How the projections of a `.f32` forward call multiply (`.bf16` and `.int8` always use their packs).
public enum ProjectionRoute: Sendable, Equatable {
    /// Decode steps and short segments on the file's quantized blocks, long ones through sgemm
    /// (`RowRoutes`): generation and evaluation.
    case bySegmentLength
    /// Every row through sgemm on the Float32 weights: training and its validation loss, whose
    /// gradients are checked against PyTorch's Float32 products.
    case float32
}

/// Logits of a forward call.
public struct ForwardResult: @unchecked Sendable {
    /// (rows, V), row r for token `logitTokens[r]` of the call.
    public let logits: Matrix
    public let logitTokens: [Int]
    /// (N, C) the final norm's output, when the call asked for no logits.
    public let hidden: FloatBuffer?
}

/// A Llama model: one set of weights and one forward pass (`ForwardPass.swift`) for generation,
/// scoring and training. In `.f32`, decode steps and short prompts multiply by `decodeWeights` (the
/// model file's quantized blocks), long prompts and training by the Float32 `weights` through sgemm;
/// see `RowRoutes`. In `.bf16` and `.int8`, every row of every call multiplies the projections and the
/// LM head packed in that precision (`PackedWeights`), so a sequence's logits are the same whatever shares its batch;
/// the adapter's products stay Float32, routed as in `.f32`. A model loaded for `.training`
/// also holds what a backward pass multiplies by (`frozenOperand`).
public final class LlamaModel: @unchecked Sendable {
    public let config: LlamaConfig
    /// In `.bf16` and `.int8` the projections' buffers may be empty (count 0) when the packs were made
    /// straight from the model file; the embedding, norms and LM head are always complete. Replacing
    /// the weights re-points the decode kernels at them (`.f32`) or repacks them (the new projections
    /// must be complete).
    public var weights: LlamaWeights {
        didSet {
            switch projections {
            case let .f32(old):
                // a model reading its embedding from the file keeps the file's LM head
                projections = .f32(DecodeWeights(float32: weights, config: config, output: fileEmbedding.map { _ in old.output }))
            case let .packed(old, precision):
                precondition(fileEmbedding == nil, "a \(precision) model reading its embedding from the file cannot be repacked")
                projections = .packed(try! PackedWeights.pack(precision, float32: weights, config: config,
                                                              inputGradients: old.transposes != nil)!, precision)
            }
        }
    }
    /// What the projections and the LM head multiply with.
    private var projections: Projections
    /// The tied embedding as the model file stores it, when no Float32 copy is kept (`weights`'
    /// tokenEmbedding is then empty; `DecodeWeights.fileEmbedding`): token rows are read from its
    /// blocks, and the LM head multiplies them (`.f32`) or was packed from them (`.int8`).
    let fileEmbedding: QuantizedMatrix?
    /// The arithmetic of the projections and the LM head.
    public var precision: ComputePrecision {
        switch projections {
        case .f32: return .f32
        case let .packed(_, precision): return precision
        }
    }
    /// The projections as decode reads them in `.f32`: the file's blocks when loaded from a GGUF.
    /// Nil in `.bf16` and `.int8`, where every product goes through `packedWeights`.
    public var decodeWeights: DecodeWeights? {
        if case let .f32(decode) = projections { return decode }
        return nil
    }
    /// The packs every product multiplies in `.bf16` and `.int8`; nil in `.f32`.
    var packedWeights: PackedWeights? {
        if case let .packed(packs, _) = projections { return packs }
        return nil
    }
    /// Applied in every adapted projection as y += scale · (x·Aᵀ)·Bᵀ, unless a call brings its own.
    public var adapter: LoRAAdapter? {
        didSet { adapterOperands = adapter.map(AdapterOperands.init) }
    }
    /// `adapter` as the forward pass reads it.
    private(set) var adapterOperands: AdapterOperands?
    /// θ of each rotary table of the family (`RoPESettings.inverseFrequencies`), and with LongRoPE's
    /// long factors.
    let rotaryFrequencies: [(short: [Float], long: [Float])]
    let scratchPool = ForwardScratchPool()

    /// A model whose decode kernels read the Float32 `weights`.
    public convenience init(config: LlamaConfig, weights: LlamaWeights, adapter: LoRAAdapter? = nil) {
        self.init(config: config, weights: weights,
                  projections: .f32(DecodeWeights(float32: weights, config: config)), adapter: adapter)
    }

    /// A model computing in `precision`; in `.bf16` and `.int8` the complete Float32 `weights` are
    /// packed (and kept), with the transposes a backward pass needs for `.training`. Throws when this CPU
    /// cannot run `precision`.
    public convenience init(config: LlamaConfig, weights: LlamaWeights, adapter: LoRAAdapter? = nil,
                            precision: ComputePrecision, use: ModelUse = .inference) throws {
        switch precision {
        case .f32:
            self.init(config: config, weights: weights, adapter: adapter)
        case .bf16, .int8:
            guard let packs = try PackedWeights.pack(precision, float32: weights, config: config,
                                                     inputGradients: use == .training) else {
                throw LlamaError.unavailablePrecision(precision, reason: precision.unavailableReason ?? "")
            }
            self.init(config: config, weights: weights, projections: .packed(packs, precision), adapter: adapter)
        }
    }

    /// What the projections multiply with: the decode kernels' view of the weights (`.f32`), or the
    /// packs of `.bf16` or `.int8`.
    enum Projections {
        case f32(DecodeWeights)
        case packed(PackedWeights, ComputePrecision)
    }

    init(config: LlamaConfig, weights: LlamaWeights, projections: Projections, adapter: LoRAAdapter?,
         fileEmbedding: QuantizedMatrix? = nil) {
        self.config = config
        self.projections = projections
        self.fileEmbedding = fileEmbedding
        self.weights = weights
        self.adapter = adapter
        adapterOperands = adapter.map(AdapterOperands.init)
        rotaryFrequencies = config.family.rope.map { ($0.inverseFrequencies(), $0.inverseFrequencies(long: true)) }
    }

    /// Layer `layer`'s projection `target` W (out, in) as a backward pass multiplies it (dx = dy · W):
    /// the Float32 weight, or its transpose pack (a model loaded for `.training`).
    public func frozenOperand(layer: Int, target: LoRATarget) -> FrozenOperand {
        if let packedWeights {
            guard let transposes = packedWeights.transposes else { preconditionFailure("\(precision) model loaded for inference, not training") }
            return .packed(linear: nil, transpose: transposes[layer][target]!)
        }
        return .f32(UnsafePointer(weights.layers[layer].projection(target).pointer))
    }

    /// The LM head W (V, C) for both of its products: logits = h · Wᵀ and dh = dlogits · W.
    public var headOperand: FrozenOperand {
        if let packedWeights {
            guard let transpose = packedWeights.outputTranspose else { preconditionFailure("\(precision) model loaded for inference, not training") }
            return .packed(linear: packedWeights.output, transpose: transpose)
        }
        precondition(fileEmbedding == nil, "the model was loaded for inference, without a Float32 LM head; load it for training")
        return .f32(UnsafePointer(weights.outputWeight.pointer))
    }

    /// Whether a backward pass can multiply by the frozen weights (packs need transposes).
    public var hasInputGradients: Bool { packedWeights.map { $0.transposes != nil } ?? (fileEmbedding == nil) }

    /// Bytes of the bf16 or int8 packs (0 in `.f32`).
    public var packedBytes: Int { packedWeights?.bytes ?? 0 }

    /// Logits (T, V) for one sequence at every position.
    public func logits(tokens: [Int]) throws -> Matrix {
        try forward(tokens: tokens, segments: [SequenceSegment(slot: 0, start: 0, count: tokens.count)], cache: nil,
                    logitRows: .all).logits
    }

    /// logits (rows.count, V) = hidden[rows] (·, C) · outputWeightᵀ. In `.bf16` and `.int8` every row
    /// uses the packed head. In `.f32`, given the call's `segments`, rows of short segments use the decode
    /// kernels (see `RowRoutes`); without, all use sgemm — unless the model keeps no Float32 copy of its
    /// large embedding, when all use the decode kernels.
    public func lmHead(hidden: FloatBuffer, rows: [Int], segments: [SequenceSegment]? = nil) -> Matrix {
        let c = config.dim, v = config.vocabSize
        // Every logit is written below: no need to zero (rows.count × 196 KB for SmolLM2) first.
        let logits = Matrix(rows: rows.count, cols: v, storage: FloatBuffer(uninitializedCount: rows.count * v))
        guard !rows.isEmpty else { return logits }
        let contiguous = rows == Array(0..<rows.count)
        let source: FloatBuffer
        if contiguous {
            source = hidden
        } else {
            source = FloatBuffer(count: rows.count * c)
            for (r, row) in rows.enumerated() { (source.pointer + r * c).update(from: hidden.pointer + row * c, count: c) }
        }
        if let packedWeights {
            packedWeights.output.multiply(rows: rows.count, a: source.pointer, lda: c, into: logits.pointer, ldc: v)
            return logits
        }
        // Without a Float32 copy of a large embedding (DecodeWeights.fileEmbedding), every row reads the file's blocks.
        let routes = fileEmbedding != nil ? RowRoutes(quantizedRows: rows.count)
            : segments.map { RowRoutes(tokens: rows, segments: $0) } ?? RowRoutes(float32Rows: rows.count)
        routes.linear(outs: [logits.pointer], inp: source.pointer, quantized: [decodeWeights!.output],
                      float32: [weights.outputWeight])
        return logits
    }
}

extension LlamaModel {
    /// θ of rotary `table` for a call whose last position is `lastPosition` (LongRoPE switches to its
    /// long factors past the original context, as transformers does per sequence length).
    func rotaryFrequencies(table index: Int, lastPosition: Int) -> [Float] {
        let table = config.family.rope[index]
        return table.usesLongFactors(lastPosition: lastPosition) ? rotaryFrequencies[index].long : rotaryFrequencies[index].short
    }
}
