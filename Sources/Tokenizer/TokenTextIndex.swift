import Foundation

/// Token texts as one flat byte buffer, and an open-addressing hash from a text's bytes to its id.
///
/// Built for large vocabularies: Gemma 3's 262,144 entries take about 2.6 MB of text, 1 MB of offsets
/// and 2 MB of slots, instead of a `[String: Int]` of about 15 MB, and a lookup hashes a byte range in
/// place, so the SentencePiece merge loop asks "is this pair a token?" without building a String.
/// When several ids share a text the last one wins, as in llama.cpp's `token_to_id`; `firstID`
/// gives the first, as byte-level BPE's own table does.
struct TokenTextIndex: Sendable {
    /// Every token's text, concatenated; token i is `bytes[offsets[i]..<offsets[i + 1]]`.
    let bytes: [UInt8]
    let offsets: [Int32]
    /// Token id per slot, −1 for an empty slot; the count is a power of two at least twice the tokens.
    private let slots: [Int32]
    private let mask: Int
    /// For a text several ids share: the id the index holds → the first of them (empty in most vocabularies).
    private let firstOfShared: [Int32: Int32]

    var count: Int { offsets.count - 1 }

    init<Texts: Sequence>(texts: Texts, count: Int) where Texts.Element == String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 8)
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(count + 1)
        for text in texts {
            bytes.append(contentsOf: text.utf8)
            offsets.append(Int32(truncatingIfNeeded: bytes.count))
        }
        var slotCount = 16
        while slotCount < 2 * (offsets.count - 1) { slotCount <<= 1 }
        var slots = [Int32](repeating: -1, count: slotCount)
        let mask = slotCount - 1
        var firstOfShared: [Int32: Int32] = [:]
        bytes.withUnsafeBufferPointer { all in
            for id in 0..<(offsets.count - 1) {
                let start = Int(offsets[id]), length = Int(offsets[id + 1]) - start
                var slot = Self.hash(all.baseAddress! + start, length) & mask
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    let otherStart = Int(offsets[other]), otherLength = Int(offsets[other + 1]) - otherStart
                    if otherLength == length,
                       memcmp(all.baseAddress! + otherStart, all.baseAddress! + start, length) == 0 {
                        firstOfShared[Int32(id)] = firstOfShared.removeValue(forKey: Int32(other)) ?? Int32(other)
                        break
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.offsets = offsets
        self.slots = slots
        self.mask = mask
        self.firstOfShared = firstOfShared
    }

    /// The id whose text is exactly `length` bytes at `text`, or −1.
    func id(_ text: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        bytes.withUnsafeBufferPointer { all in
            var slot = Self.hash(text, length) & mask
            while true {
                let candidate = slots[slot]
                if candidate < 0 { return -1 }
                let start = Int(offsets[Int(candidate)])
                if Int(offsets[Int(candidate) + 1]) - start == length,
                   length == 0 || memcmp(all.baseAddress! + start, text, length) == 0 {
                    return candidate
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id whose text is `text`, or nil.
    func id(_ text: String) -> Int? {
        var text = text
        let found = text.withUTF8 { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return id(base, buffer.count)
        }
        return found >= 0 ? Int(found) : nil
    }

    /// The first id whose text is `text`, or nil.
    func firstID(_ text: String) -> Int? {
        id(text).map { Int(firstOfShared[Int32($0)] ?? Int32($0)) }
    }

    /// The bytes of token `id` (which must be in range).
    func text(of id: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[id])..<Int(offsets[id + 1])] }

    func length(of id: Int) -> Int { Int(offsets[id + 1] - offsets[id]) }

    /// FNV-1a over the bytes, folded so the low bits used for the slot depend on all of them.
    private static func hash(_ text: UnsafePointer<UInt8>, _ length: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0..<length { h = (h ^ UInt64(text[k])) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}
