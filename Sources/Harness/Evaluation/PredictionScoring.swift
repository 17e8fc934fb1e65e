import Metrics

/// Scores model outputs against each example's own list of references (examples may carry
/// different numbers of golds), reusing one statistics table for the corpus score, per-example
/// scores and the bootstrap interval — the sacrebleu shape.
public enum PredictionScoring {
    /// The metric object for a kind with sacrebleu's defaults (13a BLEU, chrF β=2) and the chosen
    /// answer normalisation for exact match and F1.
    public static func metric(_ kind: MetricKind, normalize: AnswerNormalization) -> any CorpusMetric {
        kind.metric(exactMatch: ExactMatchOptions(normalize: normalize))
    }

    /// One statistics row per output.
    public static func statistics(metric: any CorpusMetric, outputs: [String],
                                  references: [[String]]) -> SegmentStatistics {
        precondition(outputs.count == references.count, "one reference list per output")
        let width = metric.statisticsWidth
        var values = [Double](repeating: 0, count: outputs.count * width)
        let workspace = SegmentWorkspace()
        values.withUnsafeMutableBufferPointer { buffer in
            for index in outputs.indices {
                let row = UnsafeMutableBufferPointer(rebasing: buffer[(index * width)..<((index + 1) * width)])
                metric.segmentStatistics(hypothesis: outputs[index], references: references[index],
                                         workspace: workspace, into: row)
            }
        }
        return SegmentStatistics(width: width, values: values)
    }

    /// Per-example scores keyed by metric name (`em`, `bleu`, `chrf`, `chrf++`).
    public static func exampleScores(kinds: [MetricKind], normalize: AnswerNormalization, output: String,
                                     references: [String]) -> [String: Double] {
        var scores: [String: Double] = [:]
        for kind in kinds {
            scores[kind.rawValue] = metric(kind, normalize: normalize).sentenceScore(hypothesis: output, references: references)
        }
        return scores
    }

    /// Corpus score with its bootstrap 95% interval.
    public static func corpusScore(kind: MetricKind, normalize: AnswerNormalization, outputs: [String],
                                   references: [[String]], resamples: Int, seed: UInt64 = 12345) -> CorpusScore {
        let metric = metric(kind, normalize: normalize)
        let table = statistics(metric: metric, outputs: outputs, references: references)
        let referenceSets = references.map(\.count).max() ?? 1
        var score = metric.corpusScore(statistics: table, referenceSets: referenceSets)
        if table.segmentCount > 0 && resamples > 0 {
            score.ci = bootstrapCI(metric: metric, statistics: table, resamples: resamples, seed: seed)
        }
        return score
    }
}
