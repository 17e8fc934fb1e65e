/// The metrics Tollgate scores with, by the names the command line and experiment files use.
public enum MetricKind: String, CaseIterable, Codable, Sendable {
    case exactMatch = "em"
    /// SQuAD token-level F1.
    case tokenF1 = "f1"
    case bleu
    case chrf
    case chrfPlusPlus = "chrf++"
    /// Macro-averaged F1 over the reference labels of a classification set (`MacroF1`).
    case macroF1 = "macro_f1"
}

extension MetricKind {
    /// The metric of this kind with the given settings (each kind reads only its own options;
    /// `chrf++` is chrF with word order 2; `macro_f1` averages over `labels`, the reference labels).
    public func metric(bleu: BLEUOptions = BLEUOptions(), chrf: ChrFOptions = ChrFOptions(),
                       exactMatch: ExactMatchOptions = ExactMatchOptions(), labels: [String] = []) -> any CorpusMetric {
        switch self {
        case .exactMatch: return ExactMatch(exactMatch)
        case .tokenF1: return TokenF1(exactMatch)
        case .macroF1: return MacroF1(labels: labels, options: exactMatch)
        case .bleu: return BLEU(bleu)
        case .chrf:
            var options = chrf
            options.wordOrder = 0
            return ChrF(options)
        case .chrfPlusPlus:
            var options = chrf
            options.wordOrder = 2
            return ChrF(options)
        }
    }
}
