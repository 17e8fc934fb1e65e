/// The metrics Tollgate scores with, by the names the command line and experiment files use.
public enum MetricKind: String, CaseIterable, Codable, Sendable {
    case exactMatch = "em"
    /// SQuAD token-level F1.
    case tokenF1 = "f1"
    case bleu
    case chrf
    case chrfPlusPlus = "chrf++"
}
