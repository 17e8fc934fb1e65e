import Dispatch

/// A metric in sacrebleu's shape: per-segment sufficient statistics (a flat row of numbers) →
/// column sums → score. Everything else — corpus scores, per-segment scores, bootstrap intervals,
/// paired tests — is built from these three requirements.
public protocol CorpusMetric: Sendable {
    var kind: MetricKind { get }
    /// sacrebleu's display name (`BLEU`, `chrF2`, …).
    var name: String { get }
    /// Numbers per segment row.
    var statisticsWidth: Int { get }
    /// The statistics row of one segment (`references`: that segment's reference from each set).
    func segmentStatistics(hypothesis: String, references: [String], workspace: SegmentWorkspace,
                           into row: UnsafeMutableBufferPointer<Double>)
    /// The corpus score from summed statistics.
    func score(totals: [Double]) -> Double
    /// The score of a single segment from its own row (sentence BLEU uses effective order).
    func segmentScore(row: [Double]) -> Double
    /// The settings part of the signature, after `nrefs` and resampling entries (`case:mixed|…`).
    var signatureSettings: String { get }
    /// BLEU's details; nil for the other metrics.
    func bleuDetails(totals: [Double]) -> BLEUDetails?
}

extension CorpusMetric {
    public func segmentScore(row: [Double]) -> Double { score(totals: row) }
    public func bleuDetails(totals: [Double]) -> BLEUDetails? { nil }

    /// `nrefs:N|[bs:…|ar:…|seed:…|]settings|version:tollgate-X`, in sacrebleu's key order
    /// (`nrefs:var` for a negative count: references per segment vary).
    public func signature(referenceSets: Int, bootstrapResamples: Int? = nil,
                          randomizationTrials: Int? = nil, seed: UInt64? = nil) -> String {
        var parts = ["nrefs:" + (referenceSets < 0 ? "var" : "\(referenceSets)")]
        if let bootstrapResamples { parts.append("bs:\(bootstrapResamples)") }
        if let randomizationTrials { parts.append("ar:\(randomizationTrials)") }
        if let seed { parts.append("seed:\(seed)") }
        parts.append(signatureSettings)
        parts.append("version:tollgate-\(TollgateVersion.string)")
        return parts.joined(separator: "|")
    }

    /// Per-segment statistics of a corpus; `references[k][i]` is the k-th reference of segment i.
    /// Segments are processed in parallel chunks, each with its own workspace.
    public func statistics(hypotheses: [String], references: [[String]]) throws -> SegmentStatistics {
        guard !references.isEmpty else { throw MetricsError.noReferences }
        for (set, stream) in references.enumerated() where stream.count != hypotheses.count {
            throw MetricsError.referenceCountMismatch(referenceSet: set, referenceLines: stream.count,
                                                      hypothesisLines: hypotheses.count)
        }
        return extractStatistics(hypotheses) { segment, into in
            into.removeAll(keepingCapacity: true)
            for set in references.indices { into.append(references[set][segment]) }
        }
    }

    /// Per-segment statistics when segments have different numbers of references (several golds
    /// per example): `segmentReferences[i]` lists segment i's references, at least one each.
    public func statistics(hypotheses: [String], segmentReferences: [[String]]) throws -> SegmentStatistics {
        guard segmentReferences.count == hypotheses.count else {
            throw MetricsError.referenceCountMismatch(referenceSet: 0, referenceLines: segmentReferences.count,
                                                      hypothesisLines: hypotheses.count)
        }
        if let empty = segmentReferences.firstIndex(where: \.isEmpty) {
            throw MetricsError.noReferencesForSegment(empty)
        }
        return extractStatistics(hypotheses) { segment, into in into = segmentReferences[segment] }
    }

    /// `nrefs` for the signature: the common reference count, or -1 ("var") when it varies.
    public static func referenceSetCount(_ segmentReferences: [[String]]) -> Int {
        let counts = Set(segmentReferences.map(\.count))
        return counts.count == 1 ? counts.first! : (counts.isEmpty ? 1 : -1)
    }

    private func extractStatistics(_ hypotheses: [String],
                                   references fill: @escaping (Int, inout [String]) -> Void) -> SegmentStatistics {
        let width = statisticsWidth
        let count = hypotheses.count
        var values = [Double](repeating: 0, count: count * width)
        let workers = count >= 512 ? min(64, max(1, count / 256)) : 1
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let workspace = SegmentWorkspace()
                var segmentReferences: [String] = []
                let start = count * worker / workers, end = count * (worker + 1) / workers
                for segment in start..<end {
                    fill(segment, &segmentReferences)
                    let row = UnsafeMutableBufferPointer(rebasing: base[(segment * width)..<((segment + 1) * width)])
                    segmentStatistics(hypothesis: hypotheses[segment], references: segmentReferences,
                                      workspace: workspace, into: row)
                }
            }
        }
        return SegmentStatistics(width: width, values: values)
    }

    /// The corpus score of `statistics` (no confidence interval).
    public func corpusScore(statistics: SegmentStatistics, referenceSets: Int) -> CorpusScore {
        let totals = statistics.totals()
        return CorpusScore(metric: kind, name: name, score: score(totals: totals),
                           signature: signature(referenceSets: referenceSets),
                           segments: statistics.segmentCount, bleu: bleuDetails(totals: totals))
    }

    public func corpusScore(hypotheses: [String], references: [[String]]) throws -> CorpusScore {
        corpusScore(statistics: try statistics(hypotheses: hypotheses, references: references),
                    referenceSets: references.count)
    }

    /// One score per segment for the per-example table: sentence BLEU (effective order), chrF
    /// (0–100), exact match and F1 (0–1).
    public func segmentScores(hypotheses: [String], references: [[String]]) throws -> [Double] {
        let statistics = try statistics(hypotheses: hypotheses, references: references)
        return (0..<statistics.segmentCount).map { segmentScore(row: statistics.row($0)) }
    }

    /// The score of one hypothesis against its references (sentence-level BLEU/chrF).
    public func sentenceScore(hypothesis: String, references: [String]) -> Double {
        let workspace = SegmentWorkspace()
        var row = [Double](repeating: 0, count: statisticsWidth)
        row.withUnsafeMutableBufferPointer { buffer in
            segmentStatistics(hypothesis: hypothesis, references: references, workspace: workspace, into: buffer)
        }
        return segmentScore(row: row)
    }
}
