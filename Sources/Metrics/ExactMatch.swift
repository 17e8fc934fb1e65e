/// How predictions and golds are normalised before comparing.
public enum AnswerNormalization: String, Codable, Sendable, CaseIterable {
    /// Compared as they are (code point by code point).
    case exact
    /// Leading and trailing whitespace removed.
    case strip
    /// SQuAD v1.1 `normalize_answer`: lower-case, drop ASCII punctuation, drop the words a/an/the,
    /// collapse whitespace.
    case squad

    /// The normalised text as Unicode scalar values.
    public func normalize(_ text: String) -> [UInt32] {
        var scalars = PythonText.scalars(of: text)
        switch self {
        case .exact: break
        case .strip: PythonText.strip(&scalars)
        case .squad: scalars = Self.squadNormalized(scalars)
        }
        return scalars
    }

    public func normalizedString(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for value in normalize(text) { if let scalar = Unicode.Scalar(value) { result.append(scalar) } }
        return String(result)
    }

    static func squadNormalized(_ input: [UInt32]) -> [UInt32] {
        var text = input, scratch: [UInt32] = []
        PythonText.lower(&text, scratch: &scratch)
        text.removeAll(where: PythonText.isASCIIPunctuation)
        // re.sub(r'\b(a|an|the)\b', ' ', text): a match is always a whole run of word characters.
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < text.count {
            guard PythonText.isWordCharacter(text[index]) else {
                scratch.append(text[index]); index += 1; continue
            }
            let start = index
            while index < text.count, PythonText.isWordCharacter(text[index]) { index += 1 }
            let word = text[start..<index]
            if word.elementsEqual([0x61]) || word.elementsEqual([0x61, 0x6E]) || word.elementsEqual([0x74, 0x68, 0x65]) {
                scratch.append(0x20)
            } else {
                scratch.append(contentsOf: word)
            }
        }
        // ' '.join(text.split())
        var joined: [UInt32] = []
        PythonText.forEachWord(in: scratch) { start, end in
            if !joined.isEmpty { joined.append(0x20) }
            joined.append(contentsOf: scratch[start..<end])
        }
        return joined
    }
}

/// Exact match's settings.
public struct ExactMatchOptions: Codable, Sendable, Equatable {
    public var normalize: AnswerNormalization
    public init(normalize: AnswerNormalization = .exact) { self.normalize = normalize }
}

/// Exact match: 1 when the normalised prediction equals any normalised gold (the maximum over the
/// reference sets), else 0. Statistics row: [match, 1]; the corpus score is the percentage.
public struct ExactMatch: CorpusMetric {
    public let options: ExactMatchOptions
    public init(_ options: ExactMatchOptions = ExactMatchOptions()) { self.options = options }

    public var kind: MetricKind { .exactMatch }
    public var name: String { "EM" }
    public var statisticsWidth: Int { 2 }
    public var signatureSettings: String { "norm:\(options.normalize.rawValue)" }

    /// 1 or 0 for one prediction against its golds.
    public func match(prediction: String, golds: [String]) -> Double {
        let normalized = options.normalize.normalize(prediction)
        return golds.contains { options.normalize.normalize($0) == normalized } ? 1 : 0
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        row[0] = match(prediction: hypothesis, golds: references)
        row[1] = 1
    }

    public func score(totals: [Double]) -> Double { totals[1] > 0 ? 100 * totals[0] / totals[1] : 0 }
    public func segmentScore(row: [Double]) -> Double { row[0] }
}

/// SQuAD token-level F1 between normalised prediction and gold words, the maximum over golds.
/// When either side has no words, F1 is 1 if both are empty and 0 otherwise (SQuAD v2's rule;
/// v1.1 would give 0 even for two empty answers, contradicting exact match).
public struct TokenF1: CorpusMetric {
    public let options: ExactMatchOptions
    public init(_ options: ExactMatchOptions = ExactMatchOptions(normalize: .squad)) { self.options = options }

    public var kind: MetricKind { .tokenF1 }
    public var name: String { "F1" }
    public var statisticsWidth: Int { 2 }
    public var signatureSettings: String { "norm:\(options.normalize.rawValue)" }

    private func words(_ text: String) -> [[UInt32]] {
        let scalars = options.normalize.normalize(text)
        var words: [[UInt32]] = []
        PythonText.forEachWord(in: scalars) { start, end in words.append(Array(scalars[start..<end])) }
        return words
    }

    public func f1(prediction: String, golds: [String]) -> Double {
        let predicted = words(prediction)
        var best = 0.0
        for gold in golds {
            let goldWords = words(gold)
            if predicted.isEmpty || goldWords.isEmpty {
                best = max(best, predicted.isEmpty && goldWords.isEmpty ? 1 : 0)
                continue
            }
            var remaining: [[UInt32]: Int] = [:]
            for word in goldWords { remaining[word, default: 0] += 1 }
            var common = 0
            for word in predicted where (remaining[word] ?? 0) > 0 {
                remaining[word]! -= 1
                common += 1
            }
            guard common > 0 else { continue }
            let precision = Double(common) / Double(predicted.count)
            let recall = Double(common) / Double(goldWords.count)
            best = max(best, 2 * precision * recall / (precision + recall))
        }
        return best
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        row[0] = f1(prediction: hypothesis, golds: references)
        row[1] = 1
    }

    public func score(totals: [Double]) -> Double { totals[1] > 0 ? 100 * totals[0] / totals[1] : 0 }
    public func segmentScore(row: [Double]) -> Double { row[0] }
}
