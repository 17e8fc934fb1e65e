/// Gives every distinct n-gram of one segment a small dense id, exactly (no hash collisions can
/// merge two n-grams): an n-gram's id is interned from the pair (id of its first n−1 items, id of
/// its last item), and a word's id from (id of its prefix, last character), so equal ids mean equal
/// n-grams. Ids index plain count arrays, which is what makes counting fast.
///
/// Keys pack (kind, prefix id, next item) into 64 bits: 4 + 30 + 30. Reset between segments in O(1)
/// by bumping a generation stamp.
struct NGramInterner {
    enum Kind: UInt64 {
        case wordPrefix = 0    // (prefix node, character) → word trie node
        case characterChain = 1  // (char n-gram, character) → char (n+1)-gram
        case wordChain = 2     // (word n-gram, word) → word (n+1)-gram
    }

    /// The prefix id of a chain's first item.
    static let root: Int32 = (1 << 30) - 1

    private var keys: [UInt64]
    private var values: [Int32]
    private var stamps: [UInt32]
    private var generation: UInt32 = 1
    private var mask: Int
    private var shift: UInt64
    private(set) var count: Int32 = 0

    init(capacity: Int = 4096) {
        var size = 16
        while size < capacity { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        stamps = Array(repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    mutating func reset() {
        count = 0
        generation &+= 1
        if generation == 0 {
            // Wrapped after 4 billion segments: clear the stamps once.
            for index in stamps.indices { stamps[index] = 0 }
            generation = 1
        }
    }

    /// The id of (kind, prefix, next), a new one if unseen in this segment.
    @inline(__always)
    mutating func id(_ kind: Kind, _ prefix: Int32, _ next: UInt32) -> Int32 {
        let key = (kind.rawValue << 60) | (UInt64(UInt32(bitPattern: prefix)) << 30) | UInt64(next & 0x3FFF_FFFF)
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            if stamps[slot] != generation {
                let id = count
                stamps[slot] = generation
                keys[slot] = key
                values[slot] = id
                count += 1
                if Int(count) * 2 > keys.count { grow() }
                return id
            }
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldStamps = stamps
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        stamps = Array(repeating: 0, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for index in oldKeys.indices where oldStamps[index] == generation {
            var slot = Int(truncatingIfNeeded: (oldKeys[index] &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while stamps[slot] == generation { slot = (slot + 1) & mask }
            stamps[slot] = generation
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
        }
    }

    /// The id of the word `text[start..<end]`.
    @inline(__always)
    mutating func wordID(_ text: [UInt32], _ start: Int, _ end: Int) -> Int32 {
        var node = Self.root
        for index in start..<end { node = id(.wordPrefix, node, text[index]) }
        return node
    }
}
