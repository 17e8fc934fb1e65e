import Foundation

/// Float32 decoding of ggml tensor data, parallel over row chunks for large tensors.
public enum Dequantization {
    /// Tensors with at least this many values are split across cores.
    static let parallelThreshold = 1 << 16

    /// Decodes `count` values of `type` stored in `source` (whole blocks) into `destination`.
    /// Throws when the type has no decoder or `source` is too short for `count` values.
    public static func dequantize(_ type: GGMLType, source: UnsafeRawBufferPointer, count: Int,
                                  into destination: UnsafeMutablePointer<Float>, tensorName: String = "tensor") throws {
        guard let decode = decoder(type) else {
            throw GGUFError(file: tensorName, problem: "type \(type.name) cannot be dequantized by Tollgate yet",
                            fix: "re-quantize the model to Q4_K, Q8_0 or F16 with llama.cpp's llama-quantize")
        }
        guard count >= 0, count % type.blockSize == 0,
              count / type.blockSize * type.bytesPerBlock <= source.count else {
            throw GGUFError(file: tensorName, problem: "\(count) values of \(type.name) do not fit in \(source.count) bytes",
                            fix: "pass whole blocks (\(type.blockSize) values, \(type.bytesPerBlock) bytes each)")
        }
        guard count > 0, let base = source.baseAddress else { return }
        // Decoders work in units of blocks; the plain types are "blocks" of one value.
        let units = count / type.blockSize
        if count < parallelThreshold {
            decode(base, destination, units)
            return
        }
        let chunks = min(units, ProcessInfo.processInfo.activeProcessorCount * 8)
        let perChunk = (units + chunks - 1) / chunks
        let destinationAddress = Int(bitPattern: destination)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let first = chunk * perChunk
            let n = min(perChunk, units - first)
            guard n > 0 else { return }
            let out = UnsafeMutablePointer<Float>(bitPattern: destinationAddress)! + first * type.blockSize
            decode(base + first * type.bytesPerBlock, out, n)
        }
    }

    /// Decodes one buffer of whole blocks into a new array.
    public static func dequantize(_ type: GGMLType, source: UnsafeRawBufferPointer, count: Int) throws -> [Float] {
        guard count >= 0 else {
            throw GGUFError(file: "tensor", problem: "asked for \(count) values", fix: "pass a non-negative count")
        }
        var firstError: Error?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do {
                try dequantize(type, source: source, count: count, into: buffer.baseAddress!)
                initialized = count
            } catch {
                firstError = error
                initialized = 0
            }
        }
        if let firstError { throw firstError }
        return values
    }

    typealias Decoder = (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void

    static func decoder(_ type: GGMLType) -> Decoder? {
        switch type {
        case .f32: return LegacyBlockDecoding.f32
        case .f16: return LegacyBlockDecoding.f16
        case .bf16: return LegacyBlockDecoding.bf16
        case .q4_0: return LegacyBlockDecoding.q4_0
        case .q4_1: return LegacyBlockDecoding.q4_1
        case .q5_0: return LegacyBlockDecoding.q5_0
        case .q5_1: return LegacyBlockDecoding.q5_1
        case .q8_0: return LegacyBlockDecoding.q8_0
        case .q2_K: return KQuantBlockDecoding.q2_K
        case .q3_K: return KQuantBlockDecoding.q3_K
        case .q4_K: return KQuantBlockDecoding.q4_K
        case .q5_K: return KQuantBlockDecoding.q5_K
        case .q6_K: return KQuantBlockDecoding.q6_K
        default: return nil
        }
    }
}

extension GGUFFile {
    /// The tensor as Float32, row-major: shape `[ne1, ne0]` for a matrix (`ne0` fastest).
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> [Float] {
        try checkDecodable(tensor)
        return try reading(tensor) { try Dequantization.dequantize(tensor.type, source: $0, count: tensor.elementCount) }
    }

    /// Writes `tensor.elementCount` floats to `destination`. A folder's tensor is decoded a few MB
    /// of rows at a time, each piece's shard pages leaving the resident set once read, so a large
    /// embedding never has all its stored bytes resident beside its Float32 copy.
    public func dequantize(_ tensor: GGUFTensorInfo, into destination: UnsafeMutablePointer<Float>) throws {
        try checkDecodable(tensor)
        let rowBytes = tensor.byteCount / max(tensor.rowCount, 1)
        let rowsPerPiece = releasesWhileReading ? max(1, Self.pieceBytes / max(rowBytes, 1)) : tensor.rowCount
        try reading(tensor) { data in
            var row = 0
            repeat {
                let end = min(tensor.rowCount, row + rowsPerPiece)
                try Dequantization.dequantize(tensor.type, source: UnsafeRawBufferPointer(rebasing: data[row * rowBytes ..< end * rowBytes]),
                                              count: (end - row) * tensor.rowLength, into: destination + row * tensor.rowLength,
                                              tensorName: tensor.name)
                releasePagesAfterReading(tensor, bytes: row * rowBytes ..< end * rowBytes)
                row = end
            } while row < tensor.rowCount
        }
    }

    /// Stored bytes decoded between releases of a folder's shard pages.
    static let pieceBytes = 1 << 20

    /// Rows `rows` of a matrix tensor (for example embedding rows), row-major, without decoding the rest.
    public func dequantizeRows(_ tensor: GGUFTensorInfo, _ rows: Range<Int>) throws -> [Float] {
        let range = try rowBytes(tensor, rows)
        return try reading(tensor, rows: rows.count) {
            try Dequantization.dequantize(tensor.type, source: UnsafeRawBufferPointer(rebasing: $0[range]), count: rows.count * tensor.rowLength)
        }
    }

    /// Writes rows `rows` of a matrix tensor, `rows.count × rowLength` floats, to `destination`.
    public func dequantizeRows(_ tensor: GGUFTensorInfo, _ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        let range = try rowBytes(tensor, rows)
        try reading(tensor, rows: rows.count) {
            try Dequantization.dequantize(tensor.type, source: UnsafeRawBufferPointer(rebasing: $0[range]), count: rows.count * tensor.rowLength,
                                          into: destination, tensorName: tensor.name)
        }
        // A fused tensor is read in row slices: its pages go once its last rows are read.
        if rows.upperBound == tensor.rowCount { releasePagesAfterReading(tensor) }
    }

    /// Where rows `rows` of a matrix tensor lie in its bytes.
    private func rowBytes(_ tensor: GGUFTensorInfo, _ rows: Range<Int>) throws -> Range<Int> {
        try checkDecodable(tensor)
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError(file: url.path, problem: "rows \(rows) of tensor \(tensor.name) are out of range (it has \(tensor.rowCount))",
                            fix: "ask for rows below \(tensor.rowCount)")
        }
        let rowBytes = tensor.rowLength / tensor.type.blockSize * tensor.type.bytesPerBlock
        return rows.lowerBound * rowBytes ..< rows.upperBound * rowBytes
    }

    private func checkDecodable(_ tensor: GGUFTensorInfo) throws {
        guard tensor.type.canDequantize else {
            throw GGUFError(file: url.path, problem: "tensor \(tensor.name) has type \(tensor.type.name), which Tollgate cannot read yet",
                            fix: "re-quantize to Q4_K or Q8_0")
        }
        guard self.tensor(named: tensor.name) == tensor else {
            throw GGUFError(file: url.path, problem: "tensor \(tensor.name) does not belong to this file",
                            fix: "look the tensor up with tensor(named:) on the same GGUFFile")
        }
    }
}
