/// Per-thread scratch space for extracting one segment's statistics: text buffers, the n-gram
/// interner and count arrays indexed by n-gram id. Count arrays are returned to zero after each
/// use, touching only the ids that were counted.
public final class SegmentWorkspace {
    let interner = NGramInterner()
    var text: [UInt32] = []
    var scratch: [UInt32] = []
    var words: [Int32] = []
    /// Per-order n-gram ids of the hypothesis and of the current reference, with repeats.
    var hypothesisGrams: [[Int32]] = []
    var referenceGrams: [[[Int32]]] = []
    var hypothesisCounts: [Int32] = []
    var referenceCounts: [Int32] = []
    var referenceMaxima: [Int32] = []
    private var seen: [Int] = []
    private var seenStamp = 0

    public init() {}

    /// Grows the count arrays to cover every id the interner has handed out.
    func prepareCounts() {
        let needed = Int(interner.count)
        guard hypothesisCounts.count < needed else { return }
        let extra = max(needed, hypothesisCounts.count * 2) - hypothesisCounts.count
        hypothesisCounts.append(contentsOf: repeatElement(0, count: extra))
        referenceCounts.append(contentsOf: repeatElement(0, count: extra))
        referenceMaxima.append(contentsOf: repeatElement(0, count: extra))
        seen.append(contentsOf: repeatElement(0, count: extra))
    }

    /// Starts a pass that visits each distinct id once (see `firstVisit`).
    func beginDistinctPass() { seenStamp += 1 }

    @inline(__always)
    func firstVisit(_ id: Int32) -> Bool {
        let index = Int(id)
        if seen[index] == seenStamp { return false }
        seen[index] = seenStamp
        return true
    }

    /// Resizes `grams` to `orders` empty lists, keeping their storage.
    static func clear(_ grams: inout [[Int32]], orders: Int) {
        if grams.count != orders { grams = Array(repeating: [], count: orders) }
        for index in grams.indices { grams[index].removeAll(keepingCapacity: true) }
    }

    /// Appends the ids of all n-grams (orders 1...maxOrder) of the item ids `items` to
    /// `grams[offset...]`, one list per order.
    func appendChains(of items: [Int32], maxOrder: Int, kind: NGramInterner.Kind,
                      firstOrderIsItem: Bool, into grams: inout [[Int32]], at offset: Int = 0) {
        guard !items.isEmpty, maxOrder > 0 else { return }
        // previous[i]: id of the (n−1)-gram starting at i
        var previous = items
        if firstOrderIsItem {
            grams[offset].append(contentsOf: items)
        } else {
            for index in items.indices { previous[index] = interner.id(kind, NGramInterner.root, UInt32(bitPattern: items[index])) }
            grams[offset].append(contentsOf: previous)
        }
        if maxOrder < 2 { return }
        for order in 2...maxOrder {
            let count = items.count - order + 1
            if count <= 0 { break }
            for start in 0..<count {
                let id = interner.id(kind, previous[start], UInt32(bitPattern: items[start + order - 1]))
                previous[start] = id
                grams[offset + order - 1].append(id)
            }
        }
    }
}
