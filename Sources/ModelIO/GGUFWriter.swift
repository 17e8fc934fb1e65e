import Foundation

/// Builds a GGUF v3 file: metadata in insertion order, tensors encoded as F32, F16, BF16, Q8_0 or
/// Q4_0 (or passed pre-encoded), each tensor's data aligned to `alignment`. `write` is atomic.
public struct GGUFWriter {
    public struct Tensor: Sendable {
        public let name: String
        /// ggml order: `ne0` (row length) first.
        public let dimensions: [Int]
        public let type: GGMLType
        public let data: [UInt8]
    }

    public private(set) var metadataKeys: [String] = []
    public private(set) var metadata: [String: GGUFValue] = [:]
    public private(set) var tensors: [Tensor] = []
    public let alignment: Int

    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
        if alignment != 32 { set("general.alignment", .uint32(UInt32(alignment))) }
    }

    /// Sets a metadata value; a new key goes last, an existing key keeps its place.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if metadata.updateValue(value, forKey: key) == nil { metadataKeys.append(key) }
    }

    /// Adds a tensor from row-major floats (`dimensions` in ggml order, so a [rows, cols] matrix
    /// is `[cols, rows]`), encoded as `type`.
    public mutating func addTensor(name: String, dimensions: [Int], values: [Float], type: GGMLType) throws {
        try checkShape(name: name, dimensions: dimensions, type: type)
        guard dimensions.reduce(1, *) == values.count else {
            throw GGUFError(file: name, problem: "tensor has dimensions \(dimensions) but \(values.count) values",
                            fix: "pass as many values as the dimensions hold")
        }
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: try Quantization.encode(values, as: type, tensorName: name)))
    }

    /// Adds a tensor whose bytes are already encoded as `type` (for example copied from another GGUF file).
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) throws {
        try checkShape(name: name, dimensions: dimensions, type: type)
        let expected = dimensions.reduce(1, *) / type.blockSize * type.bytesPerBlock
        guard data.count == expected else {
            throw GGUFError(file: name, problem: "tensor has \(data.count) bytes, but \(dimensions) of \(type.name) take \(expected)",
                            fix: "pass whole blocks of the stated type")
        }
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: data))
    }

    private func checkShape(name: String, dimensions: [Int], type: GGMLType) throws {
        guard !tensors.contains(where: { $0.name == name }) else {
            throw GGUFError(file: name, problem: "tensor is added twice", fix: "give every tensor a unique name")
        }
        guard (1 ... 4).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw GGUFError(file: name, problem: "tensor has dimensions \(dimensions)", fix: "use 1 to 4 non-negative dimensions")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw GGUFError(file: name, problem: "rows of \(dimensions[0]) values are not a multiple of the \(type.name) block size \(type.blockSize)",
                            fix: "store this tensor as F32 or F16")
        }
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    public func write(to url: URL) throws {
        if let declared = metadata["general.alignment"], declared.int != alignment {
            throw GGUFError(file: url.path, problem: "general.alignment is \(declared) but the writer aligns to \(alignment)",
                            fix: "create the writer with GGUFWriter(alignment:) instead of setting the key")
        }
        var header = ByteBuffer()
        header.append(UInt32(0x4655_4747))
        header.append(UInt32(3))
        header.append(UInt64(tensors.count))
        header.append(UInt64(metadataKeys.count))
        for key in metadataKeys {
            let value = metadata[key]!
            header.append(string: key)
            header.append(value.typeID)
            try header.append(value: value, key: key, file: url)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            header.append(string: tensor.name)
            header.append(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { header.append(UInt64(dimension)) }
            header.append(tensor.type.rawValue)
            header.append(UInt64(offset))
            offsets.append(offset)
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }

        let writer = try AtomicFileWriter(url: url)
        try writer.write(header.bytes)
        try writer.pad(to: alignment)
        for tensor in tensors {
            try writer.write(tensor.data)
            try writer.pad(to: alignment)
        }
        try writer.commit()
    }
}

/// Little-endian serialization of GGUF header fields.
struct ByteBuffer {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func append(value: GGUFValue, key: String, file: URL) throws {
        switch value {
        case .uint8(let v): append(v)
        case .int8(let v): append(v)
        case .uint16(let v): append(v)
        case .int16(let v): append(v)
        case .uint32(let v): append(v)
        case .int32(let v): append(v)
        case .uint64(let v): append(v)
        case .int64(let v): append(v)
        case .float32(let v): append(v.bitPattern)
        case .float64(let v): append(v.bitPattern)
        case .bool(let v): append(UInt8(v ? 1 : 0))
        case .string(let v): append(string: v)
        case .array(let elements):
            let elementType = elements.first?.typeID ?? GGUFValue.uint8(0).typeID
            guard elements.allSatisfy({ $0.typeID == elementType }) else {
                throw GGUFError(file: file.path, problem: "metadata array \(key) mixes element types",
                                fix: "GGUF arrays hold one type; convert the elements to a common type")
            }
            append(elementType)
            append(UInt64(elements.count))
            for element in elements { try append(value: element, key: key, file: file) }
        }
    }
}
