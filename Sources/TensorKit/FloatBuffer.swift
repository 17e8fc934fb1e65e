import Foundation

/// A fixed-size, 64-byte-aligned block of Float32 that kernels and BLAS write through a raw pointer.
/// A class so that large weights and activations are shared, never copied by accident.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Zero-filled storage for `count` floats.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        memset(pointer, 0, max(64, count * MemoryLayout<Float>.stride))
    }

    /// Storage for `count` floats that the caller fills completely before reading. Its pages are
    /// first touched by whoever writes them, e.g. a parallel decoder, rather than by a serial memset.
    public init(uninitializedCount count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(64, count * MemoryLayout<Float>.stride)
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(16, count))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public func zero() { memset(pointer, 0, count * MemoryLayout<Float>.stride) }

    public func copy() -> FloatBuffer {
        let result = FloatBuffer(count: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }
}

/// A row-major matrix: `rows` × `cols` floats in one `FloatBuffer`, row i at `pointer + i * cols`.
public struct Matrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let storage: FloatBuffer

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        storage = FloatBuffer(count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: FloatBuffer) {
        precondition(storage.count >= rows * cols, "matrix \(rows)x\(cols) needs \(rows * cols) floats, storage has \(storage.count)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "matrix \(rows)x\(cols) given \(values.count) values")
        self.init(rows: rows, cols: cols, storage: FloatBuffer(values))
    }

    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var count: Int { rows * cols }

    public func row(_ index: Int) -> UnsafeMutablePointer<Float> { storage.pointer + index * cols }

    public subscript(row: Int, col: Int) -> Float {
        get { storage.pointer[row * cols + col] }
        nonmutating set { storage.pointer[row * cols + col] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }
}
