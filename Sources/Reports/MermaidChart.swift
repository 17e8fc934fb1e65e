import Foundation

/// A mermaid `xychart-beta` line chart, as GitHub renders inside a ```mermaid block.
struct MermaidLineChart {
    var title: String
    var xLabel: String
    var yLabel: String
    /// One label per point, shown under the x axis.
    var categories: [String]
    /// One or more lines over the same categories; each must have `categories.count` values.
    var lines: [[Double]]

    /// The most points drawn; longer series are thinned evenly (the first and last points kept).
    static let maximumPoints = 60

    /// Indices of at most `maximumPoints` evenly spaced points of `count`, always first and last.
    static func thinnedIndices(count: Int) -> [Int] {
        guard count > maximumPoints else { return Array(0..<count) }
        let stride = Double(count - 1) / Double(maximumPoints - 1)
        return (0..<maximumPoints).map { Int((Double($0) * stride).rounded()) }
    }

    var markdown: String {
        let values = lines.flatMap { $0 }.filter(\.isFinite)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if low == high { low -= 1; high += 1 }
        let pad = (high - low) * 0.05
        let labels = categories.map { "\"\(Self.label($0))\"" }.joined(separator: ", ")
        var text = "```mermaid\nxychart-beta\n"
        text += "    title \"\(Self.label(title))\"\n"
        text += "    x-axis \"\(Self.label(xLabel))\" [\(labels)]\n"
        text += "    y-axis \"\(Self.label(yLabel))\" \(Self.number(low - pad)) --> \(Self.number(high + pad))\n"
        for line in lines {
            // A missing point is drawn at the bottom of the axis rather than shifting the others.
            let points = line.map { $0.isFinite ? Self.number($0) : Self.number(low - pad) }
            text += "    line [\(points.joined(separator: ", "))]\n"
        }
        return text + "```"
    }

    /// Mermaid's quoted strings end at '"' and its grammar reacts to brackets and arrows: only
    /// letters, digits, spaces and harmless punctuation are kept.
    static func label(_ text: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: " .,:;/+%_=#@-"))
        let kept = text.unicodeScalars.map { allowed.contains($0) ? Character($0) : " " }
        return String(String(kept).prefix(60))
    }

    static func number(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
