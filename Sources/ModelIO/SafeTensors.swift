import Foundation

/// Element types of safetensors data that Tollgate reads and writes.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"

    public var byteCount: Int { self == .f32 ? 4 : 2 }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then the data.
public enum SafeTensors {
    public static func read(url: URL) throws -> SafeTensorsFile {
        try SafeTensorsFile(url: url)
    }

    /// Writes tensors (in the given order) atomically; values are converted to `dtype`.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float], dtype: SafeTensorsDType)],
                             metadata: [String: String], to url: URL) throws {
        var header = "{"
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        var seen = Set<String>()
        for tensor in tensors {
            let elements = tensor.shape.reduce(1, *)
            guard tensor.shape.allSatisfy({ $0 >= 0 }), elements == tensor.values.count else {
                throw GGUFError(file: url.path, problem: "tensor \(tensor.name) has shape \(tensor.shape) but \(tensor.values.count) values",
                                fix: "pass as many values as the shape holds")
            }
            guard tensor.name != "__metadata__", seen.insert(tensor.name).inserted else {
                throw GGUFError(file: url.path, problem: "tensor name \(tensor.name) is repeated or reserved",
                                fix: "give every tensor a unique name")
            }
            let end = offset + elements * tensor.dtype.byteCount
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += entries.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        // The data section starts 8-aligned, as the reference writer pads the header with spaces.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }

        let writer = try AtomicFileWriter(url: url)
        try writer.write(littleEndian: UInt64(headerBytes.count))
        try writer.write(headerBytes)
        for tensor in tensors {
            try encode(tensor.values, as: tensor.dtype).withUnsafeBytes { try writer.write($0) }
        }
        try writer.commit()
    }

    static func encode(_ values: [Float], as dtype: SafeTensorsDType) -> [UInt8] {
        switch dtype {
        case .f32:
            return values.withUnsafeBytes { Array($0) }
        case .f16:
            return values.map { floatToHalf($0).littleEndian }.withUnsafeBytes { Array($0) }
        case .bf16:
            return values.map { floatToBFloat16($0).littleEndian }.withUnsafeBytes { Array($0) }
        }
    }

    /// A JSON string literal with the escapes JSON requires.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
