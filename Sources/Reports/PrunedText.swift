import Foundation

extension ReportInput {
    /// The report with the text it quotes — prompts, references and outputs of changed examples,
    /// its own and each variant's — replaced by `(text pruned <day>)`. Everything else (decision,
    /// metrics, intervals, trends, drift, provenance) is kept, so the report renders as before
    /// and says where text was removed.
    public func prunedText(on date: Date) -> ReportInput {
        let note = ReportInput.prunedTextNote(date)
        func prune(_ change: ExampleChange) -> ExampleChange {
            var copy = change
            copy.prompt = note
            copy.renderedPrompt = change.renderedPrompt.map { _ in note }
            copy.reference = note
            copy.baselineOutput = note
            copy.candidateOutput = note
            return copy
        }
        var copy = self
        copy.regressedExamples = regressedExamples.map(prune)
        copy.improvedExamples = improvedExamples.map(prune)
        if var variants = copy.variants {
            variants.variants = variants.variants.map { variant in
                var pruned = variant
                pruned.regressedExamples = variant.regressedExamples.map(prune)
                pruned.improvedExamples = variant.improvedExamples.map(prune)
                return pruned
            }
            copy.variants = variants
        }
        return copy
    }

    /// What stands where pruned text was: `(text pruned 2026-12-05)`.
    public static func prunedTextNote(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return "(text pruned \(formatter.string(from: date)))"
    }
}
