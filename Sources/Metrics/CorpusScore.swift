/// A corpus-level score with the signature that makes it reproducible.
public struct CorpusScore: Codable, Sendable, Equatable {
    public var metric: MetricKind
    /// sacrebleu's display name: `BLEU`, `chrF2`, `chrF2++`, `EM`, `F1`.
    public var name: String
    /// 0–100 for every metric (exact match and F1 as percentages).
    public var score: Double
    public var signature: String
    public var segments: Int
    /// BLEU's counts, totals, precisions, brevity penalty and lengths; nil for other metrics.
    public var bleu: BLEUDetails?
    /// Bootstrap confidence interval when one was asked for.
    public var ci: ConfidenceInterval?

    public init(metric: MetricKind, name: String, score: Double, signature: String, segments: Int,
                bleu: BLEUDetails? = nil, ci: ConfidenceInterval? = nil) {
        self.metric = metric
        self.name = name
        self.score = score
        self.signature = signature
        self.segments = segments
        self.bleu = bleu
        self.ci = ci
    }
}

/// The parts of a BLEU score sacrebleu reports beside it. With add-k smoothing, counts and totals
/// of orders 2–4 include the added k, as sacrebleu's do (hence Double).
public struct BLEUDetails: Codable, Sendable, Equatable {
    public var counts: [Double]
    public var totals: [Double]
    /// Per-order precisions in percent (after smoothing).
    public var precisions: [Double]
    public var bp: Double
    public var sysLen: Int
    public var refLen: Int
    /// sys_len / ref_len, 0 when the references are empty.
    public var ratio: Double { refLen > 0 ? Double(sysLen) / Double(refLen) : 0 }

    enum CodingKeys: String, CodingKey {
        case counts, totals, precisions, bp
        case sysLen = "sys_len", refLen = "ref_len"
    }
}

/// A bootstrap percentile interval: `low` and `high` are the resampled scores at ranks n/40 and
/// n − n/40 − 1 of n sorted resamples (sacrebleu's 95% definition); `mean` is their average.
public struct ConfidenceInterval: Codable, Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var level: Double

    public init(mean: Double, low: Double, high: Double, level: Double) {
        self.mean = mean
        self.low = low
        self.high = high
        self.level = level
    }

    /// sacrebleu's "±" figure: half the interval's width.
    public var halfWidth: Double { 0.5 * (high - low) }
}
