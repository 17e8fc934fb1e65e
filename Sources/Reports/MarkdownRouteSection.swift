import Gate

/// The markdown of a run's routes: per eval set, each route variant (the undisturbed route and,
/// in a drill, the drilled one) followed by its members — who answered how much, how well, how
/// fast, at what price, and what failed.
extension MarkdownSections {
    func routeSection(_ routes: [RouteReport]) -> String {
        var metrics: [String] = []
        for metric in routes.flatMap({ $0.quality.map(\.metric) }) where !metrics.contains(metric) { metrics.append(metric) }
        var lines = ["## Routes",
                     "Each route as served, then each member on the examples it answered. Failover is the time lost on "
                        + "failing members before the one that answered; injected failures come from a drill, never from the provider.",
                     "",
                     "| route / member | eval set | share | " + metrics.map { esc($0) + " (95% CI)" }.joined(separator: " | ")
                        + " | p50 / p95 latency (s) | failover p50 / p95 (s) | cost per 1,000 requests | own errors | injected |",
                     "| --- | --- | ---: |" + String(repeating: " ---: |", count: metrics.count + 5)]
        for route in routes {
            let share = "\(route.answered) of \(route.examples)" + (route.unanswered > 0 ? ", \(route.unanswered) unanswered" : "")
            lines.append("| **\(esc(route.variant))** | \(esc(route.evalSet)) | \(share) | "
                + qualityCells(route.quality, metrics).joined(separator: " | ")
                + " | \(pair(route.p50LatencySeconds, route.p95LatencySeconds)) | "
                + "\(route.failedOver == 0 ? "—" : pair(route.p50FailoverSeconds, route.p95FailoverSeconds) + " (\(route.failedOver) failed over)") | "
                + "\(money(route.costPerThousandRequests)) | \(route.members.map(\.failures).reduce(0, +)) | "
                + "\(route.members.map(\.injected).reduce(0, +)) |")
            for member in route.members {
                lines.append("| ↳ \(esc(member.name)) | | \(formatPercent(member.share)) (\(member.answered)) | "
                    + qualityCells(member.quality, metrics).joined(separator: " | ")
                    + " | \(pair(member.p50LatencySeconds, member.p95LatencySeconds)) | | \(money(member.costPerThousandRequests)) | "
                    + "\(member.failures)\(member.errorRate.map { " (" + formatPercent($0) + ")" } ?? "") | \(member.injected) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func qualityCells(_ quality: [RouteQuality], _ metrics: [String]) -> [String] {
        metrics.map { metric in
            guard let score = quality.first(where: { $0.metric == metric }), let value = score.value else { return "—" }
            return formatValue(value) + (score.confidenceInterval.map { " (\(formatValue($0.low)) – \(formatValue($0.high)))" } ?? "")
        }
    }

    private func pair(_ p50: Double?, _ p95: Double?) -> String {
        guard let p50, let p95 else { return "—" }
        return "\(formatValue(p50)) / \(formatValue(p95))"
    }

    private func money(_ value: Double?) -> String { value.map { "$" + formatValue($0) } ?? "—" }
}
