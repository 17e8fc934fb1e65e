import Foundation
import Gate
import Reports
import Testing

/// A drill run's routes: the undisturbed route and the drilled one, each followed by its members.
private enum SampleRoutes {
    static func member(_ name: String, answered: Int, em: Double?, failures: Int = 0, injected: Int = 0) -> RouteMemberReport {
        RouteMemberReport(name: name, answered: answered, share: Double(answered) / 50,
                          quality: [RouteQuality(metric: "em", value: em, confidenceInterval: em.map { Interval(low: $0 - 8, high: $0 + 8) })],
                          p50LatencySeconds: answered == 0 ? nil : 0.05, p95LatencySeconds: answered == 0 ? nil : 0.09,
                          costPerThousandRequests: answered == 0 ? nil : 0.017, failures: failures,
                          errorRate: failures == 0 ? nil : Double(failures) / 50, injected: injected)
    }

    static var routes: [RouteReport] {
        [RouteReport(variant: "support-route", route: "support", drill: nil, evalSet: "routing", examples: 50, answered: 50,
                     unanswered: 0, failedOver: 2, quality: [RouteQuality(metric: "em", value: 40, confidenceInterval: Interval(low: 26, high: 54))],
                     p50LatencySeconds: 0.05, p95LatencySeconds: 0.5, p50FailoverSeconds: 0.14, p95FailoverSeconds: 0.51,
                     costPerThousandRequests: 0.0167, members: [member("hosted", answered: 48, em: 41.67, failures: 2),
                                                                 member("local", answered: 2, em: 0)]),
         RouteReport(variant: "support-route under brownout", route: "support", drill: "brownout: hosted HTTP 503 on 30% of requests",
                     evalSet: "routing", examples: 50, answered: 49, unanswered: 1, failedOver: 0,
                     quality: [RouteQuality(metric: "em", value: 30, confidenceInterval: Interval(low: 18, high: 44))],
                     p50LatencySeconds: 0.05, p95LatencySeconds: 2.9, p50FailoverSeconds: nil, p95FailoverSeconds: nil,
                     costPerThousandRequests: nil, members: [member("hosted", answered: 35, em: 40, injected: 15),
                                                             member("local", answered: 14, em: nil)])]
    }

    static var input: ReportInput {
        var input = ReportInput(experiment: "drill", runId: "3", decision: GateDecision(outcomes: []), evalSets: [],
                                provenance: SampleReports.provenance,
                                variants: VariantComparison(baseline: "local", recommended: nil, rule: "", variants: []))
        input.routes = routes
        return input
    }
}

@Test func routeSectionPutsEachRouteBesideItsMembers() {
    let lines = MarkdownReport.render(SampleRoutes.input).split(separator: "\n").map(String.init)
    #expect(lines.contains("| route / member | eval set | share | em (95% CI) | p50 / p95 latency (s) | failover p50 / p95 (s) "
        + "| cost per 1,000 requests | own errors | injected |"))
    #expect(lines.contains("| **support-route** | routing | 50 of 50 | 40.00 (26.00 – 54.00) | 0.0500 / 0.500 "
        + "| 0.140 / 0.510 (2 failed over) | $0.0167 | 2 | 0 |"))
    #expect(lines.contains("| ↳ hosted | | 96.00% (48) | 41.67 (33.67 – 49.67) | 0.0500 / 0.0900 | | $0.0170 | 2 (4.00%) | 0 |"))
    #expect(lines.contains("| **support-route under brownout** | routing | 49 of 50, 1 unanswered | 30.00 (18.00 – 44.00) "
        + "| 0.0500 / 2.90 | — | — | 0 | 15 |"))
    #expect(lines.contains("| ↳ local | | 28.00% (14) | — | 0.0500 / 0.0900 | | $0.0170 | 0 | 0 |"))
}

@Test func routesReadBackFromTheJSONReportAndARunWithoutRoutesHasNone() throws {
    let json = try JSONReport.render(SampleRoutes.input)
    #expect(try JSONReport.decode(Data(json.utf8)).routes == SampleRoutes.routes)
    #expect(json.contains("\"p50_failover_seconds\" : 0.14"))
    var plain = SampleRoutes.input
    plain.routes = nil
    let text = try JSONReport.render(plain)
    #expect(!text.contains("\"routes\"") && !MarkdownReport.render(plain).contains("## Routes"))
}
