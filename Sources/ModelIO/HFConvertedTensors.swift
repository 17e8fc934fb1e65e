import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tensors of a model folder whose bytes differ from the shards' only by row order (Llama and
/// SmolLM3 q/k rows in GGUF's RoPE order), made on demand in their own page-aligned slot of the
/// mapping's anonymous tail and dropped again once decoded, like the shard pages. Kept filled they
/// would stay resident beside the Float32 weights decoded from them: 27 MB for SmolLM2-135M in bf16.
///
/// A slot is filled by the first reader and emptied (MADV_DONTNEED: the pages read as zeros until
/// filled again) once its rows have all been read (the loader reads a q/k weight row by row) and no
/// reader is left; a slot whose pointer left ModelIO (`pin`, `GGUFFile.rawData`) stays filled for
/// the life of the file. Thread-safe.
final class HFConvertedTensors: @unchecked Sendable {
    struct Slot {
        /// Where the tensor sits in the mapping (page-aligned) and its size.
        let offset: Int
        let byteCount: Int
        let rows: Int
        /// Writes the tensor's bytes at the pointer (the slot's start).
        let fill: (UnsafeMutableRawPointer) -> Void
    }

    private struct State {
        var readers = 0
        var rowsRead = 0
        var filled = false
        var pinned = false
    }

    private let region: UnsafeMutableRawPointer
    private let slots: [Int: Slot]
    private var states: [Int: State] = [:]
    private let lock = NSLock()

    init(region: UnsafeMutableRawPointer, slots: [Slot]) {
        self.region = region
        self.slots = Dictionary(uniqueKeysWithValues: slots.map { ($0.offset, $0) })
    }

    /// Whether the tensor at `offset` is made on demand here.
    func holds(offset: Int) -> Bool { slots[offset] != nil }

    /// Fills the slot if it is empty and counts one more reader.
    func acquire(offset: Int) {
        update(offset) { $0.readers += 1 }
    }

    /// One reader fewer, who read `rows` rows; once every row has been read and no reader is left,
    /// the slot is emptied unless it is pinned.
    func release(offset: Int, rows: Int) {
        lock.lock(); defer { lock.unlock() }
        guard let slot = slots[offset], var state = states[offset] else { return }
        state.readers -= 1
        state.rowsRead += rows
        if state.readers == 0, state.rowsRead >= slot.rows, !state.pinned, state.filled {
            state.rowsRead = 0
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            _ = madvise(region + slot.offset, (slot.byteCount + page - 1) / page * page, Int32(MADV_DONTNEED))
            state.filled = false
        }
        states[offset] = state
    }

    /// Fills the slot for good: a pointer to it is kept by someone outside ModelIO.
    func pin(offset: Int) {
        update(offset) { $0.pinned = true }
    }

    private func update(_ offset: Int, _ change: (inout State) -> Void) {
        lock.lock(); defer { lock.unlock() }
        guard let slot = slots[offset] else { return }
        var state = states[offset] ?? State()
        if !state.filled {
            slot.fill(region + slot.offset)
            state.filled = true
        }
        change(&state)
        states[offset] = state
    }
}
