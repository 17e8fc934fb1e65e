/// Which paired significance test compares each system with the baseline.
public enum PairedTestKind: String, Codable, Sendable, CaseIterable {
    /// Paired bootstrap resampling, 1,000 resamples.
    case bootstrap = "bs"
    /// Paired approximate randomization, 10,000 trials.
    case approximateRandomization = "ar"

    public var defaultSamples: Int { self == .bootstrap ? 1000 : 10000 }
}

/// One system's corpus score, with its p-value against the baseline when a paired test ran.
public struct SystemScore: Codable, Sendable, Equatable {
    public var system: String
    public var isBaseline: Bool
    public var score: CorpusScore
    public var pValue: Double?

    public init(system: String, isBaseline: Bool, score: CorpusScore, pValue: Double?) {
        self.system = system
        self.isBaseline = isBaseline
        self.score = score
        self.pValue = pValue
    }

    enum CodingKeys: String, CodingKey {
        case system, baseline, metric, name, score, signature, segments, ci, pValue = "p_value", bleu
    }

    // Flat, with explicit nulls for "ci" and "p_value": the shape `tollgate score --json` promises.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(system, forKey: .system)
        try container.encode(isBaseline, forKey: .baseline)
        try container.encode(score.metric, forKey: .metric)
        try container.encode(score.name, forKey: .name)
        try container.encode(score.score, forKey: .score)
        try container.encode(score.signature, forKey: .signature)
        try container.encode(score.segments, forKey: .segments)
        try container.encode(score.ci, forKey: .ci)
        try container.encode(pValue, forKey: .pValue)
        try container.encodeIfPresent(score.bleu, forKey: .bleu)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        system = try container.decode(String.self, forKey: .system)
        isBaseline = try container.decode(Bool.self, forKey: .baseline)
        pValue = try container.decodeIfPresent(Double.self, forKey: .pValue)
        score = CorpusScore(metric: try container.decode(MetricKind.self, forKey: .metric),
                            name: try container.decode(String.self, forKey: .name),
                            score: try container.decode(Double.self, forKey: .score),
                            signature: try container.decode(String.self, forKey: .signature),
                            segments: try container.decode(Int.self, forKey: .segments),
                            bleu: try container.decodeIfPresent(BLEUDetails.self, forKey: .bleu),
                            ci: try container.decodeIfPresent(ConfidenceInterval.self, forKey: .ci))
    }
}
