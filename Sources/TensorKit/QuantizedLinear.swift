import Foundation

// Products with weights kept in ggml's block formats, for decode, where reading the weights is the
// cost and Float32 would read 5–7× more (kernels in Sources/CKernels, reached via NativeKernels).

/// A (rows, cols) weight matrix, PyTorch `Linear` layout (out, in), each row `rowBytes` bytes of
/// ggml blocks along `cols`. The bytes belong to `owner` (a memory-mapped model file, a copy, or a
/// `FloatBuffer`) and stay valid while this value lives; without an owner the caller keeps them
/// valid for as long as it uses the matrix.
public struct QuantizedMatrix: @unchecked Sendable {
    /// Storage formats the kernels read, numbered as ggml's types.
    public enum Format: Int32, Sendable, CaseIterable {
        case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q8_0 = 8
        /// Q4_K and Q6_K repacked into 32-value blocks with Float32 scales (ModelIO's KQuantRepacking).
        case q4_KX = 112, q6_KX = 114

        /// Values per block: 32 for the Q formats, 1 for F16 and F32.
        public var blockValues: Int { NativeKernels.blockValues(format: rawValue) }
        public var blockBytes: Int { NativeKernels.blockBytes(format: rawValue) }
    }

    public let format: Format
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let bytes: UnsafeRawPointer
    private let owner: AnyObject?

    /// Rows of `format` blocks at `bytes`, kept alive by `owner`.
    public init(format: Format, rows: Int, cols: Int, bytes: UnsafeRawPointer, owner: AnyObject?) {
        precondition(cols % format.blockValues == 0, "\(cols) columns are not whole \(format) blocks")
        self.format = format
        self.rows = rows
        self.cols = cols
        rowBytes = cols / format.blockValues * format.blockBytes
        self.bytes = bytes
        self.owner = owner
    }

    /// A matrix in `format` whose bytes `fill` writes (rows · cols / blockValues blocks) into memory
    /// this value owns.
    public init(format: Format, rows: Int, cols: Int, filling fill: (UnsafeMutableRawPointer) -> Void) {
        let storage = RawStorage(byteCount: rows * (cols / format.blockValues) * format.blockBytes)
        fill(storage.pointer)
        self.init(format: format, rows: rows, cols: cols, bytes: UnsafeRawPointer(storage.pointer), owner: storage)
    }

    /// The Float32 matrix (rows, cols) in `buffer`, read in place.
    public init(float32 buffer: FloatBuffer, rows: Int, cols: Int) {
        precondition(buffer.count >= rows * cols, "buffer of \(buffer.count) floats cannot hold \(rows)x\(cols)")
        self.init(format: .f32, rows: rows, cols: cols, bytes: UnsafeRawPointer(buffer.pointer), owner: buffer)
    }

    public var byteCount: Int { rows * rowBytes }

    /// Rows `range` of this matrix, sharing its bytes.
    public func rows(_ range: Range<Int>) -> QuantizedMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) are outside 0..<\(rows)")
        return QuantizedMatrix(format: format, rows: range.count, cols: cols, bytes: bytes + range.lowerBound * rowBytes,
                               owner: owner)
    }

    /// A copy whose row i is row `order[i]` of this matrix (e.g. to reorder rows for RoPE).
    public func reorderingRows(_ order: [Int]) -> QuantizedMatrix {
        let storage = RawStorage(byteCount: order.count * rowBytes)
        for (i, source) in order.enumerated() {
            precondition(source >= 0 && source < rows, "row \(source) is outside 0..<\(rows)")
            (storage.pointer + i * rowBytes).copyMemory(from: bytes + source * rowBytes, byteCount: rowBytes)
        }
        return QuantizedMatrix(format: format, rows: order.count, cols: cols, bytes: UnsafeRawPointer(storage.pointer),
                               owner: storage)
    }
}

/// 64-byte-aligned bytes owned by a matrix copy.
private final class RawStorage: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init(byteCount: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(64, byteCount), alignment: 64)
    }

    deinit { pointer.deallocate() }
}

public enum QuantizedLinear {
    /// Output rows per unit of parallel work: a multiple of every kernel's register tile.
    static let rowsPerUnit = 16

    /// out (rows, W.rows) = inp (rows, W.cols) · Wᵀ, split over the cores by output rows.
    /// Each output value is the same whatever `rows` and the split (see CKernels.h).
    /// With `accumulate`, out += alpha · inp · Wᵀ instead (LoRA's second product).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: QuantizedMatrix, rows: Int, alpha: Float = 1, accumulate: Bool = false,
                               instructionSet: KernelInstructionSet = .best) {
        forward(outs: [out], inp: inp, weights: [weight], rows: rows, alpha: alpha, accumulate: accumulate,
                instructionSet: instructionSet)
    }

    /// Several products with one input (q, k, v; gate, up) as one parallel job:
    /// outs[i] (rows, weights[i].rows) = inp (rows, C) · weights[i]ᵀ, every weight C columns wide.
    /// `instructionSet` may be lowered (tests check every instantiation); it is capped at the best.
    public static func forward(outs: [UnsafeMutablePointer<Float>], inp: UnsafePointer<Float>,
                               weights: [QuantizedMatrix], rows: Int, alpha: Float = 1, accumulate: Bool = false,
                               instructionSet: KernelInstructionSet = .best) {
        precondition(outs.count == weights.count && !weights.isEmpty)
        let cols = weights[0].cols
        precondition(weights.allSatisfy { $0.cols == cols }, "products in one job share their input width")
        guard rows > 0 else { return }
        // Units of work: (matrix, range of output rows); several per core so that a core slowed
        // by another process does not hold the others up.
        var units: [(matrix: Int, rows: Range<Int>)] = []
        let totalRows = weights.map(\.rows).reduce(0, +)
        let work = totalRows * cols * rows
        let wanted = work < 1 << 16 ? 1 : Parallel.threads * 4
        let perUnit = max(rowsPerUnit, (totalRows / wanted + rowsPerUnit - 1) / rowsPerUnit * rowsPerUnit)
        for (index, weight) in weights.enumerated() {
            var start = 0
            while start < weight.rows {
                let end = min(weight.rows, start + perUnit)
                units.append((index, start..<end))
                start = end
            }
        }
        Parallel.forEach(units.count) { unit in
            let (index, range) = units[unit]
            let weight = weights[index]
            let accepted = NativeKernels.quantizedLinear(instructionSet, format: weight.format.rawValue, weights: weight.bytes,
                                                         rowBytes: weight.rowBytes, inFeatures: cols, x: inp, ldx: cols,
                                                         rows: rows, y: outs[index], ldy: weight.rows, outputs: range,
                                                         alpha: alpha, accumulate: accumulate)
            precondition(accepted, "quantized product rejected: \(weight.format) \(weight.rows)x\(cols), \(rows) rows")
        }
    }
}
