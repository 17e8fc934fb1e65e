import Foundation

/// Several training loss curves in one mermaid chart (a sweep's trials), over the union of their
/// steps; a curve without a point at some step is drawn at the bottom of the axis there.
public enum LossCurvesChart {
    public static func markdown(title: String, curves: [[LossPoint]]) -> String {
        let steps = Array(Set(curves.flatMap { $0.map(\.step) })).sorted()
        guard !steps.isEmpty else { return "" }
        let kept = MermaidLineChart.thinnedIndices(count: steps.count).map { steps[$0] }
        let lines = curves.map { curve -> [Double] in
            let byStep = Dictionary(curve.map { ($0.step, $0.loss) }) { first, _ in first }
            return kept.map { byStep[$0] ?? .nan }
        }
        return MermaidLineChart(title: title, xLabel: "step", yLabel: "loss", categories: kept.map(String.init), lines: lines).markdown
    }
}
