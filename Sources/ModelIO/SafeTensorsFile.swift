import Foundation

/// A safetensors file mapped into memory, header validated against the file size.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// The dtype as written in the header (F32, F16, BF16 are decodable).
        public let dtypeName: String
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let dataRange: Range<Int>
        public var dtype: SafeTensorsDType? { SafeTensorsDType(rawValue: dtypeName) }
    }

    public let url: URL
    /// Tensor names in data order.
    public let names: [String]
    public let metadata: [String: String]
    public let entries: [String: Entry]
    private let mapping: MappedFile
    /// Where the data section starts in the file (8 + the header length).
    let dataStart: Int

    static let maxHeaderBytes = 100 << 20

    init(url: URL) throws {
        self.url = url
        mapping = try MappedFile(url: url)
        let bytes = mapping.bytes
        func corrupt(_ problem: String) -> GGUFError {
            GGUFError(file: url.path, problem: problem, fix: "the file is damaged or not safetensors; save it again")
        }
        guard bytes.count >= 8 else { throw corrupt("file has \(bytes.count) bytes, too short for the 8-byte header length") }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(min(bytes.count - 8, Self.maxHeaderBytes)) else {
            throw corrupt("header length \(headerLength) exceeds the \(bytes.count)-byte file")
        }
        dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart
        let headerData = Data(bytes[8 ..< dataStart])
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw corrupt("header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let dictionary = raw as? [String: Any] else { throw corrupt("__metadata__ is not an object") }
            for (key, value) in dictionary {
                guard let string = value as? String else { throw corrupt("__metadata__ value \(key) is not a string") }
                metadata[key] = string
            }
        }
        var entries: [String: Entry] = [:]
        for (name, raw) in header where name != "__metadata__" {
            guard let fields = raw as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shapeValues = fields["shape"] as? [Any], let offsetValues = fields["data_offsets"] as? [Any],
                  offsetValues.count == 2 else {
                throw corrupt("tensor \(name) needs dtype, shape and data_offsets [begin, end]")
            }
            let shape = try shapeValues.map { value -> Int in
                guard let n = (value as? NSNumber)?.intValue, n >= 0 else {
                    throw corrupt("tensor \(name) has a bad shape \(shapeValues)")
                }
                return n
            }
            guard let begin = (offsetValues[0] as? NSNumber)?.intValue, let end = (offsetValues[1] as? NSNumber)?.intValue,
                  begin >= 0, begin <= end, end <= dataSize else {
                throw corrupt("tensor \(name) data_offsets \(offsetValues) lie outside the \(dataSize) data bytes")
            }
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataSize else { throw corrupt("tensor \(name) shape \(shape) exceeds the file") }
                elements = product
            }
            if let known = SafeTensorsDType(rawValue: dtype), elements * known.byteCount != end - begin {
                throw corrupt("tensor \(name) has \(end - begin) bytes but shape \(shape) of \(dtype) needs \(elements * known.byteCount)")
            }
            entries[name] = Entry(name: name, dtypeName: dtype, shape: shape, dataRange: begin ..< end)
        }
        self.metadata = metadata
        self.entries = entries
        names = entries.values.sorted { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }.map(\.name)
    }

    public func shape(_ name: String) -> [Int]? { entries[name]?.shape }

    /// Bytes in the file.
    public var fileSize: Int { mapping.bytes.count }

    /// The stored bytes of a tensor; valid while this object lives.
    public func rawData(_ name: String) -> UnsafeRawBufferPointer? {
        guard let entry = entries[name] else { return nil }
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[dataStart + entry.dataRange.lowerBound ..< dataStart + entry.dataRange.upperBound])
    }

    /// The tensor as Float32 in its stored (row-major) order.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entries[name], let data = rawData(name) else {
            throw GGUFError(file: url.path, problem: "no tensor named \(name)", fix: "use one of the names the file lists")
        }
        let count = entry.shape.reduce(1, *)
        switch entry.dtype {
        case .f32?: return try Dequantization.dequantize(.f32, source: data, count: count)
        case .f16?: return try Dequantization.dequantize(.f16, source: data, count: count)
        case .bf16?: return try Dequantization.dequantize(.bf16, source: data, count: count)
        case nil:
            throw GGUFError(file: url.path, problem: "tensor \(name) has dtype \(entry.dtypeName), which Tollgate cannot read",
                            fix: "save it as F32, F16 or BF16")
        }
    }
}
