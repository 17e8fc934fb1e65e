import ArgumentParser
import Foundation
import Metrics

extension MetricKind: ExpressibleByArgument {}
extension BLEUTokenizerName: ExpressibleByArgument {}
extension BLEUOptions.Smoothing: ExpressibleByArgument {}
extension AnswerNormalization: ExpressibleByArgument {}
extension PairedTestKind: ExpressibleByArgument {}

/// `tollgate score`: corpus BLEU, chrF, chrF++, exact match, F1 or macro-F1 of one or more systems, with
/// sacrebleu's signatures, bootstrap intervals and paired tests.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score hypothesis files against reference files (one segment per line).",
        discussion: """
            With several --hyps files the first is the baseline. Scores equal sacrebleu 2.x's; \
            signatures name Tollgate's version.
            """)

    @Option(help: "The metric (em: exact match, f1: SQuAD token F1, macro_f1: macro-averaged F1 over the reference labels).")
    var metric: MetricKind = .bleu

    @Option(name: .customLong("refs"), help: ArgumentHelp("A reference file; repeat for several reference sets.", valueName: "FILE"))
    var references: [String] = []

    @Option(name: .customLong("hyps"), help: ArgumentHelp("A hypothesis file; repeat for several systems (the first is the baseline).", valueName: "FILE"))
    var hypotheses: [String] = []

    @Option(help: "BLEU tokenizer (default 13a).")
    var tokenize: BLEUTokenizerName?

    @Flag(help: "Lower-case before scoring (BLEU, chrF).")
    var lowercase = false

    @Option(help: "BLEU smoothing (default exp).")
    var smooth: BLEUOptions.Smoothing?

    @Option(help: ArgumentHelp("The value for floor (default 0.1) or add-k (default 1) smoothing.", valueName: "V"))
    var smoothValue: Double?

    @Option(help: "Answer normalisation for em and f1 (default exact for em, squad for f1).")
    var normalize: AnswerNormalization?

    @Flag(help: "Add a 95% bootstrap confidence interval (1000 resamples, seed 12345).")
    var confidence = false

    @Option(help: "Paired test of each system against the first: bs (bootstrap, 1000 resamples) or ar (approximate randomization, 10000 trials).")
    var paired: PairedTestKind?

    @Flag(help: "Print a JSON list of {system, metric, score, signature, ci, p_value, …}.")
    var json = false

    func validate() throws {
        if references.isEmpty { throw ValidationError("Pass at least one reference file with --refs FILE.") }
        if hypotheses.isEmpty { throw ValidationError("Pass at least one hypothesis file with --hyps FILE.") }
        if paired != nil && hypotheses.count < 2 {
            throw ValidationError("--paired compares systems with the first one: pass at least two --hyps files.")
        }
        let isBLEU = metric == .bleu, isAnswer = [.exactMatch, .tokenF1, .macroF1].contains(metric)
        if !isBLEU && (tokenize != nil || smooth != nil || smoothValue != nil) {
            throw ValidationError("--tokenize, --smooth and --smooth-value apply to BLEU only; drop them or pass --metric bleu.")
        }
        if !isAnswer && normalize != nil {
            throw ValidationError("--normalize applies to em and f1 only; drop it or pass --metric em.")
        }
        if isAnswer && lowercase {
            throw ValidationError("--lowercase applies to BLEU and chrF; for em use --normalize squad, which lower-cases.")
        }
        if let smoothValue {
            if (smooth ?? .exp).defaultValue == nil {
                throw ValidationError("--smooth-value needs --smooth floor or --smooth add-k.")
            }
            if !smoothValue.isFinite || smoothValue < 0 {
                throw ValidationError("--smooth-value must be a non-negative number, such as 0.1.")
            }
        }
    }

    func run() throws {
        try reportingInvalidInput {
            // Macro-F1 averages over the labels the references use, read from the reference files.
            let normalization = normalize ?? (metric == .tokenF1 ? .squad : .exact)
            let labels = metric == .macroF1
                ? LabelSet.labels(of: try references.flatMap(SegmentFile.read).map { [$0] }, normalize: normalization) : []
            let scorer = metric.metric(
                bleu: BLEUOptions(tokenize: tokenize ?? .thirteenA, lowercase: lowercase, smooth: smooth ?? .exp,
                                  smoothValue: smoothValue),
                chrf: ChrFOptions(lowercase: lowercase),
                exactMatch: ExactMatchOptions(normalize: normalization), labels: labels)
            let results = try scoreFiles(metric: scorer, referenceFiles: references, hypothesisFiles: hypotheses,
                                         confidence: confidence, paired: paired)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printOutput(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                printOutput(ScoreText.table(results))
            }
        }
    }
}
