import Foundation

/// BLEU's settings, sacrebleu 2.x's `BLEU(...)` arguments.
public struct BLEUOptions: Codable, Sendable, Equatable {
    public enum Smoothing: String, Codable, Sendable, CaseIterable {
        case exp, floor, addK = "add-k", none

        /// sacrebleu's default value for `floor` (0.1) and `add-k` (1); nil when unused.
        public var defaultValue: Double? {
            switch self {
            case .floor: return 0.1
            case .addK: return 1
            case .exp, .none: return nil
            }
        }
    }

    /// Tokenizer by sacrebleu's name (default `13a`).
    public var tokenize: BLEUTokenizerName
    public var lowercase: Bool
    public var smooth: Smoothing
    /// The value for `floor` / `add-k`; nil takes the method's default.
    public var smoothValue: Double?
    /// Stop at the highest n-gram order the hypothesis has (sentence BLEU); off for corpus BLEU.
    public var effectiveOrder: Bool

    public init(tokenize: BLEUTokenizerName = .thirteenA, lowercase: Bool = false, smooth: Smoothing = .exp,
                smoothValue: Double? = nil, effectiveOrder: Bool = false) {
        self.tokenize = tokenize
        self.lowercase = lowercase
        self.smooth = smooth
        self.smoothValue = smoothValue
        self.effectiveOrder = effectiveOrder
    }
}

/// BLEU (Papineni et al., 2002) as sacrebleu 2.x computes it. Statistics row:
/// [hyp_len, closest ref_len, correct_1…4, total_1…4].
public struct BLEU: CorpusMetric {
    public static let maxOrder = 4
    public let options: BLEUOptions
    private let tokenizer: any BLEUTokenizer

    public init(_ options: BLEUOptions = BLEUOptions()) {
        self.options = options
        self.tokenizer = options.tokenize.tokenizer
    }

    public var kind: MetricKind { .bleu }
    public var name: String { "BLEU" }
    public var statisticsWidth: Int { 2 + 2 * Self.maxOrder }

    public var signatureSettings: String {
        var smooth = options.smooth.rawValue
        if let defaultValue = options.smooth.defaultValue {
            smooth += "[" + String(format: "%.2f", options.smoothValue ?? defaultValue) + "]"
        }
        return "case:\(options.lowercase ? "lc" : "mixed")|eff:\(options.effectiveOrder ? "yes" : "no")"
            + "|tok:\(tokenizer.signatureName)|smooth:\(smooth)"
    }

    /// Lower-cases (optionally), right-strips and tokenizes `text`, then appends the ids of its
    /// n-grams to `grams`; returns the token count.
    private func extract(_ text: String, workspace: SegmentWorkspace, into grams: inout [[Int32]]) -> Int {
        PythonText.scalars(of: text, into: &workspace.text)
        if options.lowercase { PythonText.lower(&workspace.text, scratch: &workspace.scratch) }
        PythonText.rstrip(&workspace.text)
        tokenizer.tokenize(&workspace.text, scratch: &workspace.scratch)
        var words: [Int32] = []
        swap(&words, &workspace.words)
        words.removeAll(keepingCapacity: true)
        let interner = workspace.interner
        workspace.text.withUnsafeBufferPointer { text in
            PythonText.forEachWord(in: text) { start, end in words.append(interner.wordID(text, start, end)) }
        }
        swap(&words, &workspace.words)
        workspace.appendChains(of: workspace.words, maxOrder: Self.maxOrder, kind: .wordChain,
                               firstOrderIsItem: true, into: &grams)
        return workspace.words.count
    }

    public func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                                  into row: UnsafeMutableBufferPointer<Double>) {
        let orders = Self.maxOrder
        workspace.interner.reset()
        SegmentWorkspace.clear(&workspace.hypothesisGrams, orders: orders)
        let hypothesisLength = extract(hypothesis, workspace: workspace, into: &workspace.hypothesisGrams)
        if workspace.referenceGrams.count < references.count {
            workspace.referenceGrams.append(contentsOf: repeatElement([], count: references.count - workspace.referenceGrams.count))
        }
        var referenceLengths: [Int] = []
        for (index, reference) in references.enumerated() {
            SegmentWorkspace.clear(&workspace.referenceGrams[index], orders: orders)
            referenceLengths.append(extract(reference, workspace: workspace, into: &workspace.referenceGrams[index]))
        }
        workspace.prepareCounts()

        row[0] = Double(hypothesisLength)
        row[1] = Double(Self.closestReferenceLength(hypothesisLength, referenceLengths))
        for order in 0..<orders {
            let hypothesisGrams = workspace.hypothesisGrams[order]
            // The clip count of an n-gram is its largest count in any one reference.
            for index in references.indices {
                let grams = workspace.referenceGrams[index][order]
                for id in grams { workspace.referenceCounts[Int(id)] += 1 }
                for id in grams {
                    let count = workspace.referenceCounts[Int(id)]
                    if count > 0 {
                        workspace.referenceMaxima[Int(id)] = max(workspace.referenceMaxima[Int(id)], count)
                        workspace.referenceCounts[Int(id)] = 0
                    }
                }
            }
            for id in hypothesisGrams { workspace.hypothesisCounts[Int(id)] += 1 }
            var correct: Int32 = 0
            workspace.beginDistinctPass()
            for id in hypothesisGrams where workspace.firstVisit(id) {
                correct += min(workspace.hypothesisCounts[Int(id)], workspace.referenceMaxima[Int(id)])
            }
            for id in hypothesisGrams { workspace.hypothesisCounts[Int(id)] = 0 }
            for index in references.indices {
                for id in workspace.referenceGrams[index][order] { workspace.referenceMaxima[Int(id)] = 0 }
            }
            row[2 + order] = Double(correct)
            row[2 + orders + order] = Double(hypothesisGrams.count)
        }
    }

    /// The reference length closest to the hypothesis length; the shorter one on a tie.
    static func closestReferenceLength(_ hypothesisLength: Int, _ referenceLengths: [Int]) -> Int {
        var closestDifference = -1, closestLength = -1
        for length in referenceLengths {
            let difference = abs(hypothesisLength - length)
            if closestDifference == -1 || difference < closestDifference {
                closestDifference = difference
                closestLength = length
            } else if difference == closestDifference && length < closestLength {
                closestLength = length
            }
        }
        return closestLength
    }

    public func score(totals: [Double]) -> Double {
        Self.compute(totals: totals, options: options, effectiveOrder: options.effectiveOrder).score
    }

    public func segmentScore(row: [Double]) -> Double {
        Self.compute(totals: row, options: options, effectiveOrder: true).score
    }

    public func bleuDetails(totals: [Double]) -> BLEUDetails? {
        Self.compute(totals: totals, options: options, effectiveOrder: options.effectiveOrder).details
    }

    /// sacrebleu's `compute_bleu`, operation for operation so scores agree to the last bits.
    static func compute(totals: [Double], options: BLEUOptions, effectiveOrder: Bool) -> (score: Double, details: BLEUDetails) {
        let orders = maxOrder
        let sysLength = totals[0], refLength = totals[1]
        var correct = Array(totals[2..<(2 + orders)])
        var total = Array(totals[(2 + orders)..<(2 + 2 * orders)])
        let smoothValue = options.smoothValue ?? options.smooth.defaultValue ?? 0
        var bp = 1.0
        if sysLength < refLength { bp = sysLength > 0 ? exp(1 - refLength / sysLength) : 0 }
        var precisions = [Double](repeating: 0, count: orders)
        func details() -> BLEUDetails {
            BLEUDetails(counts: correct, totals: total, precisions: precisions, bp: bp,
                        sysLen: Int(sysLength), refLen: Int(refLength))
        }
        if !correct.contains(where: { $0 != 0 }) { return (0, details()) }

        var smoothMteval = 1.0
        var effectiveOrderUsed = orders
        for n in 1...orders {
            if options.smooth == .addK && n > 1 {
                correct[n - 1] += smoothValue
                total[n - 1] += smoothValue
            }
            if total[n - 1] == 0 { break }
            if effectiveOrder { effectiveOrderUsed = n }
            if correct[n - 1] == 0 {
                if options.smooth == .exp {
                    smoothMteval *= 2
                    precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1])
                } else if options.smooth == .floor {
                    precisions[n - 1] = 100.0 * smoothValue / total[n - 1]
                }
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
            }
        }
        var logSum = 0.0
        for precision in precisions[0..<effectiveOrderUsed] {
            // sacrebleu floors log(0) at −9999999999, which drives the score to 0.
            logSum += precision == 0 ? -9_999_999_999 : log(precision)
        }
        return (bp * exp(logSum / Double(effectiveOrderUsed)), details())
    }
}
