import Foundation

/// Word n-gram shingles of texts, as sorted integer sets, and a search for pairs whose Jaccard
/// similarity reaches a threshold. An inverted index (shingle → texts holding it) means only
/// pairs sharing at least one shingle are ever compared, so thousands × hundreds takes
/// milliseconds rather than a full pairwise sweep of set intersections.
struct ShingleSets {
    /// One sorted, duplicate-free shingle id list per text.
    var sets: [[Int32]]

    /// Words are runs of letters and digits, lower-cased, so punctuation and case do not count.
    /// Splits on Unicode scalars with an ASCII fast path: grapheme-level `Character` properties
    /// made this the slowest step of the whole check.
    static func words(_ text: String) -> [String] {
        let scalars = text.lowercased().unicodeScalars
        return scalars.split(whereSeparator: { !isWordScalar($0) }).map { String(String.UnicodeScalarView($0)) }
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x30...0x39).contains(value) || (0x61...0x7A).contains(value) || (0x41...0x5A).contains(value)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    static func isSpaceScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// Whitespace-separated pieces of `text` (what the length statistics count as tokens).
    static func whitespaceTokenCount(_ text: String) -> Int {
        var count = 0, inToken = false
        for scalar in text.unicodeScalars {
            let space = isSpaceScalar(scalar)
            if !space && !inToken { count += 1 }
            inToken = !space
        }
        return count
    }

    /// Shingles `n` words wide for each text (a shorter text is one shingle of all its words),
    /// with ids shared across every text passed in together. Shingles held by more than
    /// `boilerplateFraction` of a group's texts (the instruction line every prompt repeats) are
    /// dropped when that group has at least `minimumGroupForBoilerplate` texts; otherwise every
    /// pair of prompts would look alike.
    static func make(groups: [[String]], n: Int, boilerplateFraction: Double,
                     minimumGroupForBoilerplate: Int = 20) -> [ShingleSets] {
        var vocabulary: [String: Int32] = [:]
        var grouped: [[[Int32]]] = groups.map { texts in
            texts.map { text in
                let words = words(text)
                var ids = Set<Int32>()
                if words.isEmpty { return [] }
                let width = min(n, words.count)
                for start in 0...(words.count - width) {
                    let shingle = words[start..<(start + width)].joined(separator: " ")
                    let id: Int32
                    if let known = vocabulary[shingle] {
                        id = known
                    } else {
                        id = Int32(vocabulary.count)
                        vocabulary[shingle] = id
                    }
                    ids.insert(id)
                }
                return ids.sorted()
            }
        }
        var boilerplate = Set<Int32>()
        for sets in grouped where sets.count >= minimumGroupForBoilerplate {
            var documentFrequency: [Int32: Int] = [:]
            for set in sets { for id in set { documentFrequency[id, default: 0] += 1 } }
            let limit = boilerplateFraction * Double(sets.count)
            for (id, count) in documentFrequency where Double(count) > limit { boilerplate.insert(id) }
        }
        if !boilerplate.isEmpty {
            grouped = grouped.map { sets in sets.map { $0.filter { !boilerplate.contains($0) } } }
        }
        return grouped.map { ShingleSets(sets: $0) }
    }

    /// Pairs (i in `self`, j in `other`) with Jaccard ≥ `threshold`. With `other == nil` it
    /// searches `self` against itself and reports each unordered pair once (i < j).
    func similarPairs(to other: ShingleSets?, threshold: Double) -> [(Int, Int, Double)] {
        let target = other ?? self
        var postings: [Int32: [Int32]] = [:]
        for (index, set) in target.sets.enumerated() {
            for id in set { postings[id, default: []].append(Int32(index)) }
        }
        var shared = [Int32](repeating: 0, count: target.sets.count)
        var touched: [Int] = []
        var found: [(Int, Int, Double)] = []
        for (i, set) in sets.enumerated() where !set.isEmpty {
            for id in set {
                guard let holders = postings[id] else { continue }
                for holder in holders {
                    let j = Int(holder)
                    if other == nil && j <= i { continue }
                    if shared[j] == 0 { touched.append(j) }
                    shared[j] += 1
                }
            }
            for j in touched {
                let intersection = Double(shared[j])
                let union = Double(set.count + target.sets[j].count) - intersection
                let similarity = intersection / union
                if similarity >= threshold { found.append((i, j, similarity)) }
                shared[j] = 0
            }
            touched.removeAll(keepingCapacity: true)
        }
        return found
    }
}
