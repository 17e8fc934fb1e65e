import Foundation
import TensorKit

/// The projections and the LM head packed for `.bf16` or `.int8` products (`BF16Matrix`,
/// `Int8Matrix`; see `ComputePrecision`).
/// Projections that share an input are packed as one matrix, their outputs side by side — q, k, v
/// as (C + 2·KVH·HD, C), gate and up as (2F, C) — so a block takes four products instead of seven
/// and k and v (three 64-column panels each) do not leave a core idle. Every output still sums its
/// own products (in both packs an output's value does not depend on the others), so packing
/// together changes no value. For training each
/// projection is packed alone, for both of its products (the forward and the input gradient), and
/// writes its output in place: no joined copy beside the kept activations.
struct PackedWeights: @unchecked Sendable {
    /// The projections of one block, one pack per entry of `groups`.
    struct Layer: @unchecked Sendable {
        let products: [any PackedMatrix]
    }

    /// Projections packed together for inference, in the order the forward pass multiplies them.
    static let inferenceGroups: [[LoRATarget]] = [[.q, .k, .v], [.o], [.gate, .up], [.down]]
    /// Each projection alone, for training.
    static let trainingGroups: [[LoRATarget]] = LoRATarget.allCases.map { [$0] }

    /// The targets of each pack of a layer.
    let groups: [[LoRATarget]]
    let layers: [Layer]
    /// Output widths of each group's targets, e.g. (C, KVH·HD, KVH·HD) for q, k, v.
    let widths: [[Int]]
    /// (V, C): the LM head, or the token embedding when tied.
    let output: any PackedMatrix
    /// For a backward pass: each projection packed for dx = dy · W, (L) × target; nil for inference.
    let transposes: [[LoRATarget: any PackedMatrix]]?
    /// The LM head packed for dh = dlogits · W; nil for inference.
    let outputTranspose: (any PackedMatrix)?

    /// Floats a row of projections packed together writes (q, k and v's, or gate and up's): the
    /// width of the `joined` buffer `linear` needs.
    var joinedWidth: Int { widths.filter { $0.count > 1 }.map { $0.reduce(0, +) }.max() ?? 0 }

    /// Bytes of all packs.
    var bytes: Int {
        let linear = layers.map { $0.products.map(\.bytes).reduce(0, +) }.reduce(0, +) + output.bytes
        let transpose = (transposes ?? []).map { $0.values.map(\.bytes).reduce(0, +) }.reduce(0, +)
        return linear + transpose + (outputTranspose?.bytes ?? 0)
    }

    /// Values per int8 scale block for the pack of `targets` (none: the LM head) for `product`: 16 for
    /// the forward products of q, k and v, 32 (Q8_0's) for the rest. Attention's scores magnify the
    /// error of the keys: on one SmolLM2 batch, LoRA gradients were 14.1% off float32's with blocks of
    /// 32 everywhere, 9.2% with k and v at 16, 11.1% with q, k and v (one batch is a noisy measure),
    /// 8.8% with every forward product at 16 (but training 19% slower), and no better with the input
    /// gradients at 16. q, k and v are a sixth of the products; the inference pack joins them.
    static func int8Block(_ targets: [LoRATarget], _ product: FrozenProduct) -> Int {
        product == .linear && targets.contains(where: { [.q, .k, .v].contains($0) }) ? 16 : 32
    }

    /// Rows of a large LM head dequantized at a time when it is packed from the model file: 10 MB of
    /// Float32 for Gemma 3's 640-wide embedding.
    static let headSliceRows = 4096

    /// The index in `groups` of exactly these targets.
    func group(_ targets: [LoRATarget]) -> Int? { groups.firstIndex(of: targets) }

    /// Packs every projection and `output` (V, C) on the cores, largest first. `fill(layer, target, into)`
    /// writes projection `target` of block `layer`, (out, in) row-major in Float32, into a scratch
    /// that is dropped once packed, so only one group's Float32 copy per core exists at a time.
    /// With `inputGradients` each projection and the head are also packed for dx = dy · W.
    /// With `outputRows` (int8 only) `output` is empty and the head is packed a slice of rows at a
    /// time from what `outputRows(rows, into)` writes (a large embedding read from the model file).
    /// Nil when this CPU cannot run `precision` (or it is `.f32`, which packs nothing).
    static func pack(_ precision: ComputePrecision, config: LlamaConfig, output: FloatBuffer,
                     outputRows: (@Sendable (Range<Int>, UnsafeMutablePointer<Float>) throws -> Void)? = nil,
                     inputGradients: Bool = false,
                     fill: @escaping @Sendable (Int, LoRATarget, UnsafeMutablePointer<Float>) throws -> Void) throws -> PackedWeights? {
        guard precision != .f32, precision.unavailableReason == nil else { return nil }
        let packing = precision
        func matrix(_ weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, product: FrozenProduct,
                    targets: [LoRATarget] = []) -> any PackedMatrix {
            if packing == .int8 {
                return Int8Matrix(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, product: product,
                                  block: int8Block(targets, product))
            }
            return BF16Matrix(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, product: product)!
        }
        let groups = inputGradients ? trainingGroups : inferenceGroups, perLayer = groups.count
        let packs = PackSlots(count: config.layers * perLayer + 1)
        // Transposes: job j's targets in order, one slot each (the head's at 0).
        let transposeSlots = PackSlots(count: inputGradients ? config.layers * LoRATarget.allCases.count + 1 : 0)
        let failures = FailureBox()
        // One Float32 scratch per core, reused by its jobs: a scratch per job, freed on a worker
        // thread, left holes resident between the packs in that thread's malloc arena (50 MB).
        let largestGroup = groups.map { $0.map { $0.features(config).outFeatures }.reduce(0, +) * $0[0].features(config).inFeatures }.max()!
        let scratches = ScratchStack(floats: largestGroup)
        // Job 0 is the LM head (the largest); then (layer, group) in order.
        Parallel.forEach(packs.count) { job in
            if job == 0, let outputRows {
                precondition(packing == .int8, "only int8 packs the LM head a slice at a time")
                do {
                    for product in inputGradients ? [FrozenProduct.linear, .transpose] : [.linear] {
                        let pack = try Int8Matrix(outFeatures: config.vocabSize, inFeatures: config.dim, product: product,
                                                  rowsPerSlice: headSliceRows, fill: outputRows)
                        if product == .linear { packs[0] = pack } else { transposeSlots[0] = pack }
                    }
                } catch {
                    failures.record(error)
                }
                return
            }
            if job == 0 {
                packs[0] = matrix(output.pointer, outFeatures: config.vocabSize, inFeatures: config.dim, product: .linear)
                if inputGradients {
                    transposeSlots[0] = matrix(output.pointer, outFeatures: config.vocabSize, inFeatures: config.dim,
                                               product: .transpose)
                }
                return
            }
            let layer = (job - 1) / perLayer, targets = groups[(job - 1) % perLayer]
            let inFeatures = targets[0].features(config).inFeatures
            let outFeatures = targets.map { $0.features(config).outFeatures }
            let scratch = scratches.take()
            defer { scratches.give(scratch) }
            var row = 0
            do {
                for (target, rows) in zip(targets, outFeatures) {
                    try fill(layer, target, scratch.pointer + row * inFeatures)
                    row += rows
                }
            } catch {
                failures.record(error)
                return
            }
            packs[job] = matrix(scratch.pointer, outFeatures: row, inFeatures: inFeatures, product: .linear, targets: targets)
            guard inputGradients else { return }
            row = 0
            for (target, rows) in zip(targets, outFeatures) {
                transposeSlots[1 + layer * LoRATarget.allCases.count + LoRATarget.allCases.firstIndex(of: target)!] =
                    matrix(scratch.pointer + row * inFeatures, outFeatures: rows, inFeatures: inFeatures,
                           product: .transpose, targets: [target])
                row += rows
            }
        }
        if let error = failures.first { throw error }
        scratches.release()
        let all = packs.values.map { $0! }
        let layers = (0..<config.layers).map { Layer(products: Array(all[(1 + $0 * perLayer)..<(1 + ($0 + 1) * perLayer)])) }
        let widths = groups.map { $0.map { $0.features(config).outFeatures } }
        guard inputGradients else {
            return PackedWeights(groups: groups, layers: layers, widths: widths, output: all[0], transposes: nil,
                               outputTranspose: nil)
        }
        let transposed = transposeSlots.values.map { $0! }, perLayerTargets = LoRATarget.allCases.count
        let transposes = (0..<config.layers).map { l in
            Dictionary(uniqueKeysWithValues: LoRATarget.allCases.enumerated().map { ($1, transposed[1 + l * perLayerTargets + $0]) })
        }
        return PackedWeights(groups: groups, layers: layers, widths: widths, output: all[0], transposes: transposes,
                           outputTranspose: transposed[0])
    }

    /// Packs of Float32 `weights` whose projections are complete.
    static func pack(_ precision: ComputePrecision, float32 weights: LlamaWeights, config: LlamaConfig,
                     inputGradients: Bool = false) throws -> PackedWeights? {
        try pack(precision, config: config, output: weights.outputWeight, inputGradients: inputGradients) { layer, target, out in
            let source = weights.layers[layer].projection(target)
            let (inFeatures, outFeatures) = target.features(config)
            precondition(source.count == inFeatures * outFeatures, "layer \(layer) \(target) has no Float32 weight to pack")
            out.update(from: source.pointer, count: source.count)
        }
    }

    /// outs[i] (N, out_i) = inp (N, in) · W_iᵀ for the projections `targets` of `layer`, which share
    /// the input. Targets packed together are multiplied as one pack into `joined` (N, Σ out_i; at
    /// least N · `joinedWidth` floats), then split; targets packed alone write straight to their output.
    func linear(layer: Int, targets: [LoRATarget], outs: [UnsafeMutablePointer<Float>], inp: UnsafePointer<Float>,
                rows: Int, joined: UnsafeMutablePointer<Float>) {
        guard let group = group(targets) else {
            for (target, out) in zip(targets, outs) {
                linear(layer: layer, targets: [target], outs: [out], inp: inp, rows: rows, joined: joined)
            }
            return
        }
        let pack = layers[layer].products[group]
        guard outs.count > 1 else {
            pack.multiply(rows: rows, a: inp, lda: pack.inner, into: outs[0], ldc: pack.outputs)
            return
        }
        let width = pack.outputs
        pack.multiply(rows: rows, a: inp, lda: pack.inner, into: joined, ldc: width)
        var column = 0
        for (count, out) in zip(widths[group], outs) {
            for r in 0..<rows { (out + r * count).update(from: joined + r * width + column, count: count) }
            column += count
        }
    }
}

/// Results of parallel packing jobs, each slot written by one job.
private final class PackSlots: @unchecked Sendable {
    let count: Int
    private let slots: UnsafeMutablePointer<(any PackedMatrix)?>

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    subscript(index: Int) -> (any PackedMatrix)? {
        get { slots[index] }
        set { slots[index] = newValue }
    }

    var values: [(any PackedMatrix)?] { (0..<count).map { slots[$0] } }
}

/// Scratch buffers of one size handed to parallel jobs: as many exist as jobs ever ran at once.
private final class ScratchStack: @unchecked Sendable {
    private let floats: Int
    private let lock = NSLock()
    private var idle: [FloatBuffer] = []

    init(floats: Int) { self.floats = floats }

    func take() -> FloatBuffer {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast() ?? FloatBuffer(uninitializedCount: floats)
    }

    func give(_ buffer: FloatBuffer) {
        lock.lock()
        idle.append(buffer)
        lock.unlock()
    }

    /// Frees the scratches and hands the pages they leave free in the worker threads' malloc arenas
    /// back to the kernel, so they do not stay resident between the packs.
    func release() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
        Parallel.releaseFreedMemory()
    }
}
