import Foundation
import Gate
import Metrics

/// The sentence a report and the run's output give when a rule allows a smaller drop than the
/// holdout can see: "support-routing has 210 examples; drops under 6.1 points of em cannot be told
/// from noise — about 1,300 examples would be needed to see 2.0".
public enum DetectabilityWarning {
    /// The drop a `max_drop: 0` rule is measured against: "any drop" has no finite sample size, so
    /// the sentence names the examples needed to see one point.
    public static let zeroAllowanceTarget = 1.0

    /// Nil when `maxDrop` is at or above the minimum detectable effect.
    public static func sentence(evalSet: String, metric: String, effect: DetectableEffect, maxDrop: Double) -> String? {
        guard maxDrop < effect.minimumDrop else { return nil }
        let target = maxDrop > 0 ? maxDrop : zeroAllowanceTarget
        var text = "\(evalSet) has \(grouped(effect.examples)) examples; drops under \(oneDecimal(effect.minimumDrop)) points of "
            + "\(metric) cannot be told from noise"
        if let needed = effect.examplesNeeded(toDetect: target) {
            text += " — about \(grouped(roundedToTwoFigures(needed))) examples would be needed to see \(oneDecimal(target))"
        }
        return text
    }

    /// 1,313 → 1,300; 87 → 87; 12,345 → 12,000.
    static func roundedToTwoFigures(_ value: Int) -> Int {
        guard value >= 100 else { return value }
        let scale = Int(pow(10, floor(log10(Double(value))) - 1))
        return Int((Double(value) / Double(scale)).rounded()) * scale
    }

    /// 1300 → "1,300" (locale-free).
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var groups: [String] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(String(digits[start..<end]), at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    static func oneDecimal(_ value: Double) -> String { String(format: "%.1f", value) }
}
