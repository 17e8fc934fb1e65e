import Foundation

// Numbers in reasons and reports. Formatting is locale-free (String(format:) uses the POSIX
// locale) so reasons and snapshots are the same on every machine.

/// Two decimals from 1 up; below 1, enough decimals for three significant digits
/// (0.415 → "0.415", 0.0042 → "0.00420"), so fractions like exact match are not flattened.
public func formatValue(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
    let magnitude = abs(value)
    if magnitude >= 1 || magnitude == 0 { return String(format: "%.2f", value) }
    let decimals = min(8, max(3, Int((-log10(magnitude)).rounded(.down)) + 3))
    return String(format: "%.\(decimals)f", value)
}

/// A fraction as a percentage with two decimals: 0.05 → "5.00%".
public func formatPercent(_ fraction: Double) -> String {
    guard fraction.isFinite else { return formatValue(fraction) }
    return String(format: "%.2f%%", fraction * 100)
}

/// "p = 0.003", or "p < 0.001" below that.
public func formatP(_ p: Double) -> String {
    if p < 0.001 { return "p < 0.001" }
    return String(format: "p = %.3f", p)
}

/// Significance level without trailing zeros: 0.05 → "0.05", 0.1 → "0.1".
public func formatAlpha(_ alpha: Double) -> String {
    var text = String(format: "%.4f", alpha)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// File sizes in decimal units with three significant digits: 93_520_000 → "93.5 MB".
public func formatBytes(_ bytes: Int64) -> String {
    let units: [(Double, String)] = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
    for (scale, unit) in units where Double(bytes) >= scale {
        let value = Double(bytes) / scale
        return String(format: value >= 100 ? "%.0f" : (value >= 10 ? "%.1f" : "%.2f"), value) + " \(unit)"
    }
    return "\(bytes) B"
}
