/// An element that knows which of two comes out of a `BinaryHeap` first.
protocol HeapOrdered {
    /// Whether `self` is popped before `other`.
    func precedes(_ other: Self) -> Bool
}

/// A binary heap popping elements in `precedes` order: the merge candidates of the BPE merger
/// (lowest rank, then leftmost) and of the SentencePiece encoder (highest score, then leftmost).
struct BinaryHeap<Element: HeapOrdered> {
    private var entries: [Element] = []

    mutating func reserve(_ capacity: Int) { entries.reserveCapacity(capacity) }

    mutating func push(_ element: Element) {
        entries.append(element)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var first = parent
                if left < entries.count, entries[left].precedes(entries[first]) { first = left }
                if right < entries.count, entries[right].precedes(entries[first]) { first = right }
                if first == parent { break }
                entries.swapAt(parent, first)
                parent = first
            }
        }
        return top
    }
}
