/// Where one tensor lives in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `ne0` first (the fastest-varying, the row length of a matrix).
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset relative to the start of the tensor data section.
    public let offset: Int

    /// Product of the dimensions (validated against overflow when the file was read).
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Bytes of stored data: whole blocks of `type`.
    public var byteCount: Int { elementCount / type.blockSize * type.bytesPerBlock }

    /// Shape in row-major order (`[ne1, ne0]` for a matrix), as the dequantized values are laid out.
    public var rowMajorShape: [Int] { dimensions.reversed() }
    /// The row length `ne0`.
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows: the product of every dimension after `ne0`.
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
}
