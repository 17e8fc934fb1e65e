import Foundation

/// Human-readable score lines in sacrebleu's style.
public enum ScoreText {
    /// One system: `BLEU|nrefs:1|…|version:… = 42.92 (μ = 42.90 ± 3.23) 76.7/53.0/39.6/29.8 (BP = 0.820 …)`.
    public static func line(_ score: CorpusScore, width: Int = 1) -> String {
        "\(score.name)|\(score.signature) = " + value(score, width: width) + verbose(score)
    }

    /// Several systems: the signature line, then one aligned line per system; with a paired test
    /// the baseline is marked and each other system gets its p-value (`*` when below 0.05).
    public static func table(_ results: [SystemScore], width: Int = 1) -> String {
        guard let first = results.first else { return "" }
        if results.count == 1 && first.pValue == nil && !first.isBaseline { return line(first.score, width: width) }
        let names = results.map { $0.isBaseline ? "Baseline: \($0.system)" : $0.system }
        let nameWidth = names.map(\.count).max() ?? 0
        var lines = ["\(first.score.name)|\(first.score.signature)"]
        for (name, result) in zip(names, results) {
            var text = String(repeating: " ", count: nameWidth - name.count) + name + " = " + value(result.score, width: width)
            if let p = result.pValue {
                text += " (p = " + String(format: "%.4f", p) + ")" + (p < 0.05 ? "*" : "")
            }
            lines.append(text)
        }
        if results.contains(where: { $0.pValue != nil }) {
            lines.append("* p < 0.05: the difference from the baseline is significant")
        }
        return lines.joined(separator: "\n")
    }

    private static func value(_ score: CorpusScore, width: Int) -> String {
        var text = String(format: "%.\(width)f", score.score)
        if let ci = score.ci {
            text += " (μ = " + String(format: "%.\(width)f", ci.mean) + " ± " + String(format: "%.\(width)f", ci.halfWidth) + ")"
        }
        return text
    }

    private static func verbose(_ score: CorpusScore) -> String {
        guard let bleu = score.bleu else { return "" }
        let precisions = bleu.precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
        return " \(precisions) (BP = " + String(format: "%.3f", bleu.bp) + " ratio = " + String(format: "%.3f", bleu.ratio)
            + " hyp_len = \(bleu.sysLen) ref_len = \(bleu.refLen))"
    }
}
