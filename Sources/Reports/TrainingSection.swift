import Gate

/// The training part of the readout: loss charts, the validation metric per checkpoint (table and
/// chart), and each adapter matrix's effective rank.
struct TrainingSection {
    let training: TrainingSummary

    /// Above this many adapter matrices the rank table is folded into a <details> block.
    static let foldedMatrixCount = 12

    var markdown: String {
        var parts = ["## Training"]
        if !training.lossCurve.isEmpty { parts.append(lossChart(training.lossCurve, title: "Training loss")) }
        if !training.validationLoss.isEmpty { parts.append(lossChart(training.validationLoss, title: "Validation loss")) }
        if !training.checkpoints.isEmpty { parts.append(checkpoints()) }
        if !training.adapterMatrices.isEmpty { parts.append(ranks()) }
        return parts.joined(separator: "\n\n")
    }

    private func lossChart(_ points: [LossPoint], title: String) -> String {
        let kept = MermaidLineChart.thinnedIndices(count: points.count).map { points[$0] }
        let chart = MermaidLineChart(title: title, xLabel: "step", yLabel: "loss",
                                     categories: kept.map { String($0.step) }, lines: [kept.map(\.loss)])
        return "### \(title)\n\n\(chart.markdown)"
    }

    private func checkpoints() -> String {
        let series = orderedSeries()
        let steps = Array(Set(training.checkpoints.map(\.step))).sorted()
        let header = "| step | " + series.map { "\(esc($0.metric)) on \(esc($0.evalSet))" }.joined(separator: " | ") + " |"
        var rows = [header, "| ---: |" + String(repeating: " ---: |", count: series.count)]
        for step in steps {
            let cells = series.map { key in value(score(step: step, key)) }
            let marker = step == training.chosenStep ? " (chosen)" : ""
            rows.append("| \(step)\(marker) | " + cells.joined(separator: " | ") + " |")
        }
        var parts = ["### Checkpoint choice"]
        if let selection = training.selection { parts.append(esc(selection.sentence)) }
        parts.append(rows.joined(separator: "\n"))
        for key in series {
            let chart = MermaidLineChart(title: "\(key.metric) on \(key.evalSet) per checkpoint", xLabel: "step",
                                         yLabel: key.metric, categories: steps.map(String.init),
                                         lines: [steps.map { score(step: $0, key) ?? .nan }])
            parts.append(chart.markdown)
        }
        return parts.joined(separator: "\n\n")
    }

    private struct SeriesKey: Hashable {
        let evalSet: String
        let metric: String
    }

    private func orderedSeries() -> [SeriesKey] {
        var seen = Set<SeriesKey>()
        return training.checkpoints.map { SeriesKey(evalSet: $0.evalSet, metric: $0.metric) }
            .filter { seen.insert($0).inserted }
    }

    private func score(step: Int, _ key: SeriesKey) -> Double? {
        training.checkpoints.first { $0.step == step && $0.evalSet == key.evalSet && $0.metric == key.metric }?.value
    }

    private func ranks() -> String {
        var rows = ["| adapter matrix | rank | numerical rank (σ > 1% of σ₁) | entropy effective rank | σ₁ |",
                    "| --- | ---: | ---: | ---: | ---: |"]
        for matrix in training.adapterMatrices {
            let largest = matrix.singularValues.filter(\.isFinite).map(abs).max()
            rows.append("| \(esc(matrix.name)) | \(matrix.singularValues.count) | \(matrix.numericalRank()) | \(formatValue(matrix.entropyEffectiveRank)) | \(value(largest)) |")
        }
        let table = rows.joined(separator: "\n")
        let note = "Effective rank of each ΔW = scale·B·A from its singular values σ: the numerical rank counts σ above 1% of the largest; the entropy effective rank is exp(−Σ pᵢ ln pᵢ) with pᵢ = σᵢ/Σσ (Roy & Vetterli, 2007)."
        let body = training.adapterMatrices.count > Self.foldedMatrixCount
            ? "<details><summary>\(training.adapterMatrices.count) adapter matrices</summary>\n\n\(table)\n\n</details>"
            : table
        return "### Adapter effective rank\n\n\(note)\n\n\(body)"
    }
}
