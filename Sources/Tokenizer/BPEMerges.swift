/// The merge table over token ids, and the merge loop that turns one pre-tokenized piece into ids.
///
/// Works on ids rather than strings: a merge "a b" becomes (id(a), id(b)) → (rank, id(a+b)). The loop
/// always applies the lowest-ranked adjacent pair, leftmost first, as HF tokenizers does; a heap keeps
/// long pieces (a megabyte of "!!!!") at O(n log n) instead of O(n²).
struct BPEMerges {
    private struct Merge { var rank: Int32; var result: Int32 }
    private var table: [UInt64: Merge] = [:]

    /// Merges whose parts or result are not in the vocabulary are ignored: they could never apply.
    init(merges: [String], tokenID: (String) -> Int?) {
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let space = merge.firstIndex(of: " ") else { continue }
            let left = merge[..<space], right = merge[merge.index(after: space)...]
            guard let leftID = tokenID(String(left)), let rightID = tokenID(String(right)),
                  let result = tokenID(String(left) + String(right)) else { continue }
            let key = Self.key(Int32(leftID), Int32(rightID))
            if table[key] == nil { table[key] = Merge(rank: Int32(rank), result: Int32(result)) }
        }
    }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Applies every possible merge to `symbols` (initial one-byte token ids).
    func apply(_ symbols: [Int32]) -> [Int32] {
        if symbols.count < 2 { return symbols }
        if symbols.count <= 48 { return applyByScanning(symbols) }
        return applyWithHeap(symbols)
    }

    /// Short pieces: repeatedly find the best pair by a linear scan (fast for typical words).
    private func applyByScanning(_ input: [Int32]) -> [Int32] {
        var symbols = input
        while symbols.count > 1 {
            var bestRank = Int32.max, bestIndex = -1, bestResult: Int32 = 0
            for index in 0..<(symbols.count - 1) {
                if let merge = table[Self.key(symbols[index], symbols[index + 1])], merge.rank < bestRank {
                    bestRank = merge.rank; bestIndex = index; bestResult = merge.result
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] = bestResult
            symbols.remove(at: bestIndex + 1)
        }
        return symbols
    }

    /// Long pieces: a doubly linked list of symbols and a min-heap of candidate pairs (rank, position),
    /// validated lazily when popped.
    private func applyWithHeap(_ input: [Int32]) -> [Int32] {
        var ids = input
        let count = ids.count
        var next = Array(1...count)           // count = none
        var previous = Array(-1..<(count - 1)) // -1 = none
        var alive = [Bool](repeating: true, count: count)
        var heap = BinaryHeap<PairCandidate>()
        for index in 0..<(count - 1) {
            if let merge = table[Self.key(ids[index], ids[index + 1])] {
                heap.push(PairCandidate(rank: merge.rank, position: Int32(index), left: ids[index], right: ids[index + 1]))
            }
        }
        while let candidate = heap.pop() {
            let position = Int(candidate.position)
            guard alive[position], ids[position] == candidate.left else { continue }
            let right = next[position]
            guard right < count, ids[right] == candidate.right,
                  let merge = table[Self.key(candidate.left, candidate.right)], merge.rank == candidate.rank
            else { continue }
            ids[position] = merge.result
            alive[right] = false
            next[position] = next[right]
            if next[right] < count { previous[next[right]] = position }
            let before = previous[position]
            if before >= 0, let left = table[Self.key(ids[before], ids[position])] {
                heap.push(PairCandidate(rank: left.rank, position: Int32(before), left: ids[before], right: ids[position]))
            }
            let after = next[position]
            if after < count, let following = table[Self.key(ids[position], ids[after])] {
                heap.push(PairCandidate(rank: following.rank, position: Int32(position), left: ids[position], right: ids[after]))
            }
        }
        var output: [Int32] = []
        var index = 0
        while index < count { output.append(ids[index]); index = next[index] }
        return output
    }
}

/// A merge candidate of `applyWithHeap`: the pair (left, right) at `position`, lowest rank first, then leftmost.
private struct PairCandidate: HeapOrdered {
    var rank: Int32; var position: Int32; var left: Int32; var right: Int32

    func precedes(_ other: PairCandidate) -> Bool {
        rank != other.rank ? rank < other.rank : position < other.position
    }
}
