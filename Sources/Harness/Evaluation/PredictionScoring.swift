import Metrics

/// Scores model outputs against each example's own list of references (examples may carry
/// different numbers of golds); the corpus score and its bootstrap interval share one table of
/// sufficient statistics, the sacrebleu shape.
public enum PredictionScoring {
    /// The metric object for a kind with sacrebleu's defaults (13a BLEU, chrF β=2) and the chosen
    /// answer normalisation for exact match and F1.
    /// Macro-F1 averages over the labels of `references` (each example's first reference).
    public static func metric(_ kind: MetricKind, normalize: AnswerNormalization,
                              references: [[String]] = []) -> any CorpusMetric {
        let labels = kind == .macroF1 ? LabelSet.labels(of: references, normalize: normalize) : []
        return kind.metric(exactMatch: ExactMatchOptions(normalize: normalize), labels: labels)
    }

    /// Per-example scores keyed by metric name (`em`, `bleu`, `chrf`, `chrf++`; `macro_f1` scores an
    /// example 1 when its answer is its label).
    public static func exampleScores(kinds: [MetricKind], normalize: AnswerNormalization, output: String,
                                     references: [String]) -> [String: Double] {
        var scores: [String: Double] = [:]
        for kind in kinds {
            scores[kind.rawValue] = metric(kind, normalize: normalize, references: [references])
                .sentenceScore(hypothesis: output, references: references)
        }
        return scores
    }

    /// Corpus score with its bootstrap 95% interval.
    public static func corpusScore(kind: MetricKind, normalize: AnswerNormalization, outputs: [String],
                                   references: [[String]], resamples: Int, seed: UInt64 = 12345) throws -> CorpusScore {
        let metric = metric(kind, normalize: normalize, references: references)
        let table = try metric.statistics(hypotheses: outputs, segmentReferences: references)
        var score = metric.corpusScore(statistics: table, referenceSets: BLEU.referenceSetCount(references))
        if table.segmentCount > 0 && resamples > 0 {
            score.ci = bootstrapCI(metric: metric, statistics: table, resamples: resamples, seed: seed)
        }
        return score
    }
}
