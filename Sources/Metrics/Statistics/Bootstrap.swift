import Dispatch

/// Resampling over segment statistics rows, shared by the bootstrap interval and the paired tests.
enum Resampling {
    /// `body(task, rng)` for tasks 0..<count, spread over the cores; task t always gets the same
    /// random stream, so results do not depend on the thread count.
    static func forEachTask(_ count: Int, seed: UInt64, _ body: (Int, inout Xoshiro256) -> Void) {
        let workers = min(count, 32)
        guard workers > 0 else { return }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for task in stride(from: worker, to: count, by: workers) {
                var rng = Xoshiro256(seed: seed, stream: task)
                body(task, &rng)
            }
        }
    }

    /// sacrebleu's interval from resampled scores: ranks n/40 and n − n/40 − 1 after sorting.
    static func interval(_ scores: [Double], level: Double = 0.95) -> ConfidenceInterval {
        guard !scores.isEmpty else { return ConfidenceInterval(mean: 0, low: 0, high: 0, level: level) }
        let sorted = scores.sorted()
        let lowerIndex = sorted.count / 40
        let upperIndex = sorted.count - lowerIndex - 1
        let mean = sorted.reduce(0, +) / Double(sorted.count)
        return ConfidenceInterval(mean: mean, low: sorted[lowerIndex], high: sorted[upperIndex], level: level)
    }

    /// Scores `resamples` corpora of n segments drawn with replacement, for every statistics table
    /// given (the same draws for each table): scores[table][resample].
    static func resampledScores(metric: any CorpusMetric, tables: [SegmentStatistics],
                                resamples: Int, seed: UInt64) -> [[Double]] {
        let segments = tables.first?.segmentCount ?? 0
        var scores = [[Double]](repeating: [Double](repeating: 0, count: resamples), count: tables.count)
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: resamples * tables.count)
        defer { results.deallocate() }
        forEachTask(resamples, seed: seed) { task, rng in
            // A resample is how often each segment was drawn; summing rows weighted by those
            // counts reads the statistics in order instead of jumping around them.
            var draws = [Int32](repeating: 0, count: segments)
            for _ in 0..<segments { draws[rng.index(below: segments)] += 1 }
            for (table, statistics) in tables.enumerated() {
                results[table * resamples + task] = metric.score(totals: statistics.totals(weightedBy: draws))
            }
        }
        for table in tables.indices {
            for task in 0..<resamples { scores[table][task] = results[table * resamples + task] }
        }
        return scores
    }
}

/// Bootstrap confidence interval of a corpus score: `resamples` corpora of the same size drawn with
/// replacement from the segments' statistics (sacrebleu's `--confidence`; its defaults).
public func bootstrapCI(metric: any CorpusMetric, statistics: SegmentStatistics, resamples: Int = 1000,
                        seed: UInt64 = 12345) -> ConfidenceInterval {
    Resampling.interval(Resampling.resampledScores(metric: metric, tables: [statistics],
                                                   resamples: resamples, seed: seed)[0])
}
