/// Gives every distinct n-gram of one segment a small dense id, exactly (no hash collisions can
/// merge two n-grams): an n-gram's id is interned from the pair (id of its first n−1 items, id of
/// its last item), and a word's id from (id of its prefix, last character), so equal ids mean equal
/// n-grams. Ids index plain count arrays, which is what makes counting fast.
///
/// Keys pack (kind, prefix id, next item) into 64 bits: 4 + 30 + 30. Reset between segments in O(1)
/// by bumping a generation stamp. A class over raw memory: this is the innermost loop of every
/// metric, and array copy-on-write checks cost more than the probe itself.
final class NGramInterner {
    enum Kind: UInt64 {
        case wordPrefix = 0    // (prefix node, character) → word trie node
        case characterChain = 1  // (char n-gram, character) → char (n+1)-gram
        case wordChain = 2     // (word n-gram, word) → word (n+1)-gram
    }

    private struct Slot {
        var key: UInt64
        var value: Int32
        var stamp: UInt32
    }

    /// The prefix id of a chain's first item.
    static let root: Int32 = (1 << 30) - 1

    private var slots: UnsafeMutablePointer<Slot>
    private var size: Int
    private var mask: Int
    private var shift: UInt64
    private var generation: UInt32 = 1
    private(set) var count: Int32 = 0

    init(capacity: Int = 4096) {
        var size = 16
        while size < capacity { size <<= 1 }
        self.size = size
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, value: 0, stamp: 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    deinit { slots.deallocate() }

    func reset() {
        count = 0
        generation &+= 1
        if generation == 0 {
            // Wrapped after 4 billion segments: clear the stamps once.
            slots.update(repeating: Slot(key: 0, value: 0, stamp: 0), count: size)
            generation = 1
        }
    }

    /// The id of (kind, prefix, next), a new one if unseen in this segment.
    @inline(__always)
    func id(_ kind: Kind, _ prefix: Int32, _ next: UInt32) -> Int32 {
        let key = (kind.rawValue << 60) | (UInt64(UInt32(bitPattern: prefix)) << 30) | UInt64(next & 0x3FFF_FFFF)
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let entry = slots[slot]
            if entry.stamp != generation {
                let id = count
                slots[slot] = Slot(key: key, value: id, stamp: generation)
                count += 1
                if Int(count) * 2 > size { grow() }
                return id
            }
            if entry.key == key { return entry.value }
            slot = (slot + 1) & mask
        }
    }

    private func grow() {
        let old = slots, oldSize = size
        size *= 2
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, value: 0, stamp: 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for index in 0..<oldSize where old[index].stamp == generation {
            var slot = Int(truncatingIfNeeded: (old[index].key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[slot].stamp == generation { slot = (slot + 1) & mask }
            slots[slot] = old[index]
        }
        old.deallocate()
    }

    /// The id of the word `text[start..<end]`.
    @inline(__always)
    func wordID(_ text: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int) -> Int32 {
        var node = Self.root
        for index in start..<end { node = id(.wordPrefix, node, text[index]) }
        return node
    }

    func wordID(_ text: [UInt32], _ start: Int, _ end: Int) -> Int32 {
        text.withUnsafeBufferPointer { wordID($0, start, end) }
    }
}
