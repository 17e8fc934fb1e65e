import Foundation

/// A little-endian cursor over mapped bytes. Every read checks the remaining length first, so a
/// truncated or lying file ends in a `GGUFError`, never an out-of-bounds read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let url: URL
    private(set) var offset: Int = 0

    init(bytes: UnsafeRawBufferPointer, url: URL) {
        self.bytes = bytes
        self.url = url
    }

    var remaining: Int { bytes.count - offset }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw GGUFError.truncated(url, at: bytes.count, reading: "\(what()) at offset \(offset)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: a uint64 byte count then UTF-8 bytes (invalid sequences become U+FFFD).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw GGUFError.corrupt(url, "\(what()) at offset \(start) claims \(length) bytes but only \(remaining) remain")
        }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        offset += count
        return String(decoding: slice, as: UTF8.self)
    }
}
