/// chrF's settings, sacrebleu 2.x's `CHRF(...)` arguments. chrF++ is `wordOrder: 2`.
public struct ChrFOptions: Codable, Sendable, Equatable {
    /// Character n-gram orders 1…charOrder (default 6).
    public var charOrder: Int
    /// Word n-gram orders 1…wordOrder (0: chrF, 2: chrF++).
    public var wordOrder: Int
    /// Recall is weighted beta times as much as precision (default 2).
    public var beta: Int
    public var lowercase: Bool
    /// Keep whitespace inside character n-grams.
    public var whitespace: Bool
    /// chrF++.py's epsilon smoothing instead of sacrebleu 2's effective order.
    public var epsSmoothing: Bool

    public init(charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
                whitespace: Bool = false, epsSmoothing: Bool = false) {
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    public static let chrfPlusPlus = ChrFOptions(wordOrder: 2)
}

/// chrF / chrF++ (Popović 2015/2017) as sacrebleu 2.x computes it. Statistics row: for each
/// character order then each word order, [hypothesis n-grams, reference n-grams, matches]. With
/// several references a segment keeps the row of its best-scoring reference.
public struct ChrF: CorpusMetric {
    public let options: ChrFOptions

    public init(_ options: ChrFOptions = ChrFOptions()) {
        precondition(options.charOrder >= 0 && options.wordOrder >= 0 && options.charOrder + options.wordOrder > 0,
                     "chrF needs at least one n-gram order")
        self.options = options
    }

    public var kind: MetricKind { options.wordOrder > 0 ? .chrfPlusPlus : .chrf }
    public var name: String { "chrF\(options.beta)" + String(repeating: "+", count: options.wordOrder) }
    private var orders: Int { options.charOrder + options.wordOrder }
    public var statisticsWidth: Int { 3 * orders }

    public var signatureSettings: String {
        "case:\(options.lowercase ? "lc" : "mixed")|eff:\(options.epsSmoothing ? "no" : "yes")"
            + "|nc:\(options.charOrder)|nw:\(options.wordOrder)|space:\(options.whitespace ? "yes" : "no")"
    }

    /// Appends the character and word n-gram ids of `text` to `grams` (one list per order).
    private func extract(_ text: String, workspace: SegmentWorkspace, into grams: inout [[Int32]]) {
        PythonText.scalars(of: text, into: &workspace.text)
        if options.lowercase { PythonText.lower(&workspace.text, scratch: &workspace.scratch) }
        let text = workspace.text
        // Characters: every scalar, whitespace removed unless asked for.
        workspace.words.removeAll(keepingCapacity: true)
        for c in text where options.whitespace || !PythonText.isSpace(c) {
            workspace.words.append(Int32(bitPattern: c))
        }
        workspace.appendChains(of: workspace.words, maxOrder: options.charOrder, kind: .characterChain,
                               firstOrderIsItem: false, into: &grams)
        guard options.wordOrder > 0 else { return }
        // Words: split on whitespace, then one leading or trailing ASCII punctuation mark split off.
        workspace.words.removeAll(keepingCapacity: true)
        PythonText.forEachWord(in: text) { start, end in
            if end - start == 1 {
                workspace.words.append(workspace.interner.wordID(text, start, end))
            } else if PythonText.isASCIIPunctuation(text[end - 1]) {
                workspace.words.append(workspace.interner.wordID(text, start, end - 1))
                workspace.words.append(workspace.interner.wordID(text, end - 1, end))
            } else if PythonText.isASCIIPunctuation(text[start]) {
                workspace.words.append(workspace.interner.wordID(text, start, start + 1))
                workspace.words.append(workspace.interner.wordID(text, start + 1, end))
            } else {
                workspace.words.append(workspace.interner.wordID(text, start, end))
            }
        }
        workspace.appendChains(of: workspace.words, maxOrder: options.wordOrder, kind: .wordChain,
                               firstOrderIsItem: true, into: &grams, at: options.charOrder)
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        workspace.interner.reset()
        SegmentWorkspace.clear(&workspace.hypothesisGrams, orders: orders)
        extract(hypothesis, workspace: workspace, into: &workspace.hypothesisGrams)
        if workspace.referenceGrams.count < references.count {
            workspace.referenceGrams.append(contentsOf: repeatElement([], count: references.count - workspace.referenceGrams.count))
        }
        for (index, reference) in references.enumerated() {
            SegmentWorkspace.clear(&workspace.referenceGrams[index], orders: orders)
            extract(reference, workspace: workspace, into: &workspace.referenceGrams[index])
        }
        workspace.prepareCounts()

        var best = [Double](repeating: 0, count: statisticsWidth)
        var candidate = best
        var bestScore = -1.0
        for index in references.indices {
            for order in 0..<orders {
                let hypothesisGrams = workspace.hypothesisGrams[order]
                let referenceGrams = workspace.referenceGrams[index][order]
                for id in hypothesisGrams { workspace.hypothesisCounts[Int(id)] += 1 }
                for id in referenceGrams { workspace.referenceCounts[Int(id)] += 1 }
                var matches: Int32 = 0
                workspace.beginDistinctPass()
                for id in hypothesisGrams where workspace.firstVisit(id) {
                    matches += min(workspace.hypothesisCounts[Int(id)], workspace.referenceCounts[Int(id)])
                }
                for id in hypothesisGrams { workspace.hypothesisCounts[Int(id)] = 0 }
                for id in referenceGrams { workspace.referenceCounts[Int(id)] = 0 }
                // sacrebleu counts no hypothesis n-grams of an order the reference has none of.
                candidate[3 * order] = referenceGrams.isEmpty ? 0 : Double(hypothesisGrams.count)
                candidate[3 * order + 1] = Double(referenceGrams.count)
                candidate[3 * order + 2] = Double(matches)
            }
            let candidateScore = score(totals: candidate)
            if candidateScore > bestScore {
                bestScore = candidateScore
                best = candidate
            }
        }
        for column in 0..<statisticsWidth { row[column] = best[column] }
    }

    /// sacrebleu's `_compute_f_score`, operation for operation.
    public func score(totals: [Double]) -> Double {
        let epsilon = 1e-16
        let factor = Double(options.beta * options.beta)
        var score = 0.0
        var averagePrecision = 0.0, averageRecall = 0.0
        var effectiveOrder = 0
        for order in 0..<orders {
            let hypothesisCount = totals[3 * order], referenceCount = totals[3 * order + 1]
            let matches = totals[3 * order + 2]
            let precision = hypothesisCount > 0 ? matches / hypothesisCount : epsilon
            let recall = referenceCount > 0 ? matches / referenceCount : epsilon
            let denominator = factor * precision + recall
            score += denominator > 0 ? (1 + factor) * precision * recall / denominator : epsilon
            if hypothesisCount > 0 && referenceCount > 0 {
                averagePrecision += precision
                averageRecall += recall
                effectiveOrder += 1
            }
        }
        if options.epsSmoothing { return 100 * score / Double(orders) }
        if effectiveOrder == 0 {
            averagePrecision = 0
            averageRecall = 0
        } else {
            averagePrecision /= Double(effectiveOrder)
            averageRecall /= Double(effectiveOrder)
        }
        guard averagePrecision + averageRecall != 0 else { return 0 }
        var f = (1 + factor) * averagePrecision * averageRecall
        f /= (factor * averagePrecision) + averageRecall
        return 100 * f
    }
}
