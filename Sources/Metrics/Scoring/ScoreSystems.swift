/// Scores one or more systems against the same references, the first system being the baseline:
/// statistics are extracted once per system and reused by the interval and the paired test.
/// Signatures name the resampling as sacrebleu's do (`bs:1000|seed:12345`, `ar:10000|seed:12345`).
public func scoreSystems(metric: any CorpusMetric, references: [[String]],
                         systems: [(name: String, hypotheses: [String])],
                         confidence: Bool = false, paired: PairedTestKind? = nil,
                         seed: UInt64 = 12345) throws -> [SystemScore] {
    guard !systems.isEmpty else { return [] }
    if paired != nil && systems.count < 2 {
        throw MetricsError.invalidOption("a paired test needs at least two systems; the first is the baseline")
    }
    let statistics = try systems.map { try metric.statistics(hypotheses: $0.hypotheses, references: references) }
    let resamples = PairedTestKind.bootstrap.defaultSamples
    let withInterval = confidence || paired == .bootstrap
    let signature = metric.signature(referenceSets: references.count,
                                     bootstrapResamples: withInterval ? resamples : nil,
                                     randomizationTrials: paired == .approximateRandomization ? PairedTestKind.approximateRandomization.defaultSamples : nil,
                                     seed: withInterval || paired != nil ? seed : nil)
    var results: [SystemScore] = []
    var baselineInterval: ConfidenceInterval?
    for (index, system) in systems.enumerated() {
        var score = metric.corpusScore(statistics: statistics[index], referenceSets: references.count)
        score.signature = signature
        var pValue: Double?
        if index > 0, let paired {
            switch paired {
            case .bootstrap:
                let test = pairedBootstrap(metric: metric, baseline: statistics[0], system: statistics[index],
                                           resamples: resamples, seed: seed)
                pValue = test.pValue
                score.ci = test.systemCI
                // The paired resamples already score the baseline: its interval comes from them.
                if baselineInterval == nil { baselineInterval = test.baselineCI }
            case .approximateRandomization:
                pValue = pairedApproximateRandomization(metric: metric, baseline: statistics[0], system: statistics[index],
                                                        trials: paired.defaultSamples, seed: seed).pValue
            }
        }
        // Outside a paired bootstrap, intervals come from bootstrapCI with the same seed, hence
        // the same resampled corpora.
        if withInterval && score.ci == nil && !(paired == .bootstrap && index == 0) {
            score.ci = bootstrapCI(metric: metric, statistics: statistics[index], resamples: resamples, seed: seed)
        }
        results.append(SystemScore(system: system.name, isBaseline: paired != nil && index == 0, score: score, pValue: pValue))
    }
    if paired == .bootstrap, let baselineInterval { results[0].score.ci = baselineInterval }
    return results
}

/// `scoreSystems` on files with one segment per line. Every hypothesis file must have as many lines
/// as every reference file. For BLEU and chrF each line is right-stripped, as sacrebleu's command
/// line does; exact match, F1 and macro-F1 see lines as they are (line endings removed).
public func scoreFiles(metric: any CorpusMetric, referenceFiles: [String], hypothesisFiles: [String],
                       confidence: Bool = false, paired: PairedTestKind? = nil,
                       seed: UInt64 = 12345) throws -> [SystemScore] {
    guard !referenceFiles.isEmpty else { throw MetricsError.noReferences }
    let stripsLines = ![.exactMatch, .tokenF1, .macroF1].contains(metric.kind)
    func load(_ path: String) throws -> [String] {
        let lines = try SegmentFile.read(path)
        return stripsLines ? lines.map(SegmentFile.rstripped) : lines
    }
    let references = try referenceFiles.map(load)
    var systems: [(name: String, hypotheses: [String])] = []
    for path in hypothesisFiles {
        let hypotheses = try load(path)
        for (referenceFile, lines) in zip(referenceFiles, references) where lines.count != hypotheses.count {
            throw MetricsError.lineCountMismatch(hypothesisFile: path, hypothesisLines: hypotheses.count,
                                                 referenceFile: referenceFile, referenceLines: lines.count)
        }
        systems.append((path, hypotheses))
    }
    return try scoreSystems(metric: metric, references: references, systems: systems,
                            confidence: confidence, paired: paired, seed: seed)
}
