import Foundation

/// A GGUF model file (v2 or v3) mapped into memory: metadata, tensor directory and tensor bytes.
/// Everything is validated against the file size in `init`; tensor bytes are never copied.
/// Read-only after init, so it may be shared between threads.
public final class GGUFFile: @unchecked Sendable {
    public let url: URL
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute file offset where tensor data starts.
    public let dataOffset: Int
    /// File size in bytes.
    public var fileSize: Int { mapping.bytes.count }

    private let mapping: MappedFile
    /// A folder's tensors made on demand (q/k in GGUF's row order); nil for a GGUF file.
    private let converted: HFConvertedTensors?
    private let tensorIndex: [String: Int]

    static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian
    static let maxDimensions = 4            // GGML_MAX_DIMS
    static let maxNestingDepth = 16

    /// A GGUF file, or a Hugging Face model folder read as one (`HFFolder`: config.json, safetensors
    /// shards, tokenizer files), so every command that takes a GGUF takes a folder too.
    public convenience init(url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let folder = try HFFolder(url: url)
            self.init(url: url, metadata: folder.metadata, metadataKeys: folder.metadataKeys,
                      tensors: folder.tensors, mapping: folder.mapping, converted: folder.converted)
        } else {
            try self.init(parsing: url)
        }
    }

    /// A file assembled in memory: tensor offsets are relative to the start of `mapping`.
    init(url: URL, metadata: [String: GGUFValue], metadataKeys: [String], tensors: [GGUFTensorInfo], mapping: MappedFile,
         converted: HFConvertedTensors? = nil) {
        self.url = url
        version = 3
        self.metadata = metadata
        self.metadataKeys = metadataKeys
        self.tensors = tensors
        alignment = 1
        dataOffset = 0
        self.mapping = mapping
        self.converted = converted
        tensorIndex = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    init(parsing url: URL) throws {
        self.url = url
        mapping = try MappedFile(url: url)
        converted = nil
        var reader = ByteReader(bytes: mapping.bytes, url: url)

        let magic = try reader.read(UInt32.self, "the magic number")
        guard magic == Self.magic else {
            throw GGUFError(file: url.path, problem: String(format: "wrong magic 0x%08x at offset 0, expected \"GGUF\"", magic),
                            fix: "this is not a GGUF file; convert the model with llama.cpp's convert_hf_to_gguf.py")
        }
        version = try reader.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            throw GGUFError(file: url.path, problem: "GGUF version \(version) at offset 4 is not supported (only 2 and 3)",
                            fix: "re-convert the model with a current llama.cpp (GGUF v3, little-endian)")
        }
        let tensorCount = try reader.read(UInt64.self, "the tensor count")
        let kvCount = try reader.read(UInt64.self, "the metadata count")
        // A key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor entry at
        // least 8 + 4 + 8 + 4 + 8. Counts beyond that cannot be honest and would allocate hugely.
        guard kvCount <= UInt64(reader.remaining / 13) else {
            throw GGUFError.corrupt(url, "metadata count \(kvCount) at offset 16 exceeds what a \(reader.bytes.count)-byte file can hold")
        }
        guard tensorCount <= UInt64(reader.remaining / 32) else {
            throw GGUFError.corrupt(url, "tensor count \(tensorCount) at offset 8 exceeds what a \(reader.bytes.count)-byte file can hold")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        metadata.reserveCapacity(Int(kvCount))
        keys.reserveCapacity(Int(kvCount))
        for index in 0 ..< Int(kvCount) {
            let keyOffset = reader.offset
            let key = try reader.readString("metadata key #\(index)")
            guard metadata[key] == nil else {
                throw GGUFError.corrupt(url, "metadata key \(key) at offset \(keyOffset) appears twice")
            }
            let typeID = try reader.read(UInt32.self, "the type of metadata key \(key)")
            metadata[key] = try Self.readValue(typeID: typeID, from: &reader, key: key, depth: 0)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        alignment = try Self.alignment(metadata["general.alignment"], url: url)

        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        tensors.reserveCapacity(Int(tensorCount))
        tensorIndex.reserveCapacity(Int(tensorCount))
        for index in 0 ..< Int(tensorCount) {
            let info = try Self.readTensorInfo(from: &reader, index: index, url: url)
            guard tensorIndex[info.name] == nil else {
                throw GGUFError.corrupt(url, "tensor \(info.name) is listed twice")
            }
            tensorIndex[info.name] = index
            tensors.append(info)
        }

        let padded = (reader.offset + alignment - 1) / alignment * alignment
        dataOffset = min(padded, mapping.bytes.count)
        let dataSize = mapping.bytes.count - dataOffset
        for info in tensors {
            guard info.offset % alignment == 0 else {
                throw GGUFError.corrupt(url, "tensor \(info.name) data offset \(info.offset) is not a multiple of the alignment \(alignment)")
            }
            guard info.offset <= dataSize, info.byteCount <= dataSize - info.offset else {
                throw GGUFError(file: url.path,
                                problem: "tensor \(info.name) data (\(info.byteCount) bytes at data offset \(info.offset)) runs past the end of the file (\(dataSize) data bytes)",
                                fix: "the file is truncated or damaged; download or convert it again")
            }
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    /// Lets the kernel drop the file's pages from the resident set once the weights are copied out
    /// (a folder's converted tensors stay); pages read later are mapped again from the page cache.
    public func releaseResidentPages() { mapping.releaseResidentPages() }

    /// Whether a tensor's pages leave the resident set as it is decoded (a model folder's shards).
    var releasesWhileReading: Bool { mapping.releasesWhileReading }

    /// After part of a folder's tensor is decoded (`bytes`, relative to the tensor's start) its shard
    /// pages leave the resident set, so loading holds the Float32 weights and only the few MB being
    /// decoded (`Dequantization`).
    func releasePagesAfterReading(_ tensor: GGUFTensorInfo, bytes: Range<Int>? = nil) {
        guard mapping.releasesWhileReading else { return }
        let start = dataOffset + tensor.offset
        let range = bytes ?? 0..<tensor.byteCount
        mapping.releaseResidentPages(overlapping: (start + range.lowerBound)..<(start + range.upperBound))
    }

    /// `body` on the tensor's bytes, within ModelIO, reading `rows` of its rows (all by default): a
    /// folder's converted tensor is made for the read and dropped once all its rows have been read
    /// (`HFConvertedTensors`).
    func reading<T>(_ tensor: GGUFTensorInfo, rows: Int? = nil, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        guard let converted, converted.holds(offset: tensor.offset) else { return try body(bytes(tensor)) }
        converted.acquire(offset: tensor.offset)
        defer { converted.release(offset: tensor.offset, rows: rows ?? tensor.rowCount) }
        return try body(bytes(tensor))
    }

    private func bytes(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + tensor.offset
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[start ..< start + tensor.byteCount])
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The stored bytes of `tensor` (an entry of this file's `tensors`); valid while this object lives.
    public func rawData(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        if let converted, converted.holds(offset: tensor.offset) { converted.pin(offset: tensor.offset) }
        return bytes(tensor)
    }

    // MARK: Metadata lookups

    public func value(_ key: String) -> GGUFValue? { metadata[key] }
    public func string(_ key: String) -> String? { metadata[key]?.string }
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    public func float(_ key: String) -> Double? { metadata[key]?.float }
    public func bool(_ key: String) -> Bool? { metadata[key]?.bool }
    public func stringArray(_ key: String) -> [String]? { metadata[key]?.stringArray }
    public func intArray(_ key: String) -> [Int]? { metadata[key]?.intArray }
    public func floatArray(_ key: String) -> [Double]? { metadata[key]?.floatArray }

    // MARK: Parsing

    /// The smallest encoded size of one array element of a GGUF type, or nil for an unknown type.
    private static func minimumSize(typeID: UInt32) -> Int? {
        switch typeID {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12: return 8
        case 8: return 8        // the length prefix
        case 9: return 12       // element type + count
        default: return nil
        }
    }

    private static func readValue(typeID: UInt32, from reader: inout ByteReader, key: String, depth: Int) throws -> GGUFValue {
        switch typeID {
        case 0: return .uint8(try reader.read(UInt8.self, "the value of \(key)"))
        case 1: return .int8(try reader.read(Int8.self, "the value of \(key)"))
        case 2: return .uint16(try reader.read(UInt16.self, "the value of \(key)"))
        case 3: return .int16(try reader.read(Int16.self, "the value of \(key)"))
        case 4: return .uint32(try reader.read(UInt32.self, "the value of \(key)"))
        case 5: return .int32(try reader.read(Int32.self, "the value of \(key)"))
        case 6: return .float32(try reader.readFloat("the value of \(key)"))
        case 7:
            let offset = reader.offset
            let byte = try reader.read(UInt8.self, "the value of \(key)")
            guard byte <= 1 else {
                throw GGUFError.corrupt(reader.url, "boolean \(key) at offset \(offset) has value \(byte), expected 0 or 1")
            }
            return .bool(byte == 1)
        case 8: return .string(try reader.readString("the string value of \(key)"))
        case 9: return try readArray(from: &reader, key: key, depth: depth)
        case 10: return .uint64(try reader.read(UInt64.self, "the value of \(key)"))
        case 11: return .int64(try reader.read(Int64.self, "the value of \(key)"))
        case 12: return .float64(try reader.readDouble("the value of \(key)"))
        default:
            throw GGUFError.corrupt(reader.url, "metadata \(key) near offset \(reader.offset) has unknown value type \(typeID)")
        }
    }

    private static func readArray(from reader: inout ByteReader, key: String, depth: Int) throws -> GGUFValue {
        guard depth < maxNestingDepth else {
            throw GGUFError.corrupt(reader.url, "metadata \(key) nests arrays deeper than \(maxNestingDepth) levels near offset \(reader.offset)")
        }
        let typeOffset = reader.offset
        let elementType = try reader.read(UInt32.self, "the element type of array \(key)")
        guard let minimum = minimumSize(typeID: elementType) else {
            throw GGUFError.corrupt(reader.url, "array \(key) at offset \(typeOffset) has unknown element type \(elementType)")
        }
        let count = try reader.read(UInt64.self, "the length of array \(key)")
        guard count <= UInt64(reader.remaining / minimum) else {
            throw GGUFError.corrupt(reader.url, "array \(key) at offset \(typeOffset) claims \(count) elements, more than the \(reader.remaining) bytes left can hold")
        }
        var elements: [GGUFValue] = []
        elements.reserveCapacity(Int(count))
        if elementType == 8 {
            for _ in 0 ..< Int(count) { elements.append(.string(try reader.readString("an element of array \(key)"))) }
        } else {
            for _ in 0 ..< Int(count) {
                elements.append(try readValue(typeID: elementType, from: &reader, key: key, depth: depth + 1))
            }
        }
        return .array(elements)
    }

    private static func alignment(_ value: GGUFValue?, url: URL) throws -> Int {
        guard let value else { return 32 }
        guard let alignment = value.int, alignment > 0, alignment <= 1 << 20, alignment & (alignment - 1) == 0 else {
            throw GGUFError.corrupt(url, "general.alignment is \(value), expected a power of two")
        }
        return alignment
    }

    private static func readTensorInfo(from reader: inout ByteReader, index: Int, url: URL) throws -> GGUFTensorInfo {
        let start = reader.offset
        let name = try reader.readString("the name of tensor #\(index)")
        let dimensionCount = try reader.read(UInt32.self, "the dimension count of tensor \(name)")
        guard dimensionCount >= 1, dimensionCount <= maxDimensions else {
            throw GGUFError.corrupt(url, "tensor \(name) at offset \(start) has \(dimensionCount) dimensions, expected 1 to \(maxDimensions)")
        }
        var dimensions: [Int] = []
        // The product of the dimensions with a 0 counted as 1 must fit, not only the product itself:
        // after a 0 the element count stays 0 whatever follows, but the row count (the product of every
        // dimension after ne0) of [0, 2^40, 2^40] would overflow.
        var elements = 1, magnitude = 1
        for _ in 0 ..< Int(dimensionCount) {
            let raw = try reader.read(UInt64.self, "the dimensions of tensor \(name)")
            guard let dimension = Int(exactly: raw) else {
                throw GGUFError.corrupt(url, "tensor \(name) at offset \(start) has dimension \(raw), which overflows")
            }
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow else {
                throw GGUFError.corrupt(url, "tensor \(name) at offset \(start) has dimensions whose product overflows")
            }
            magnitude = product
            elements *= dimension
            dimensions.append(dimension)
        }
        let typeID = try reader.read(UInt32.self, "the type of tensor \(name)")
        guard let type = GGMLType(rawValue: typeID) else {
            throw GGUFError(file: url.path, problem: "tensor \(name) has unknown type id \(typeID)",
                            fix: "re-quantize the model to Q4_K, Q8_0 or F16 with llama.cpp's llama-quantize")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw GGUFError.corrupt(url, "tensor \(name) has rows of \(dimensions[0]) values, not a multiple of the \(type.name) block size \(type.blockSize)")
        }
        let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock)
        guard !overflow, bytes <= reader.bytes.count else {
            throw GGUFError.corrupt(url, "tensor \(name) at offset \(start) needs more bytes than the whole file holds")
        }
        let rawOffset = try reader.read(UInt64.self, "the data offset of tensor \(name)")
        guard let offset = Int(exactly: rawOffset), offset <= reader.bytes.count else {
            throw GGUFError(file: url.path, problem: "tensor \(name) data offset \(rawOffset) is past the end of the file",
                            fix: "the file is truncated or damaged; download or convert it again")
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset)
    }
}
