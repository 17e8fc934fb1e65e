import Foundation
import Harness
import Testing

private let file = "Experiments/route.yaml"
private let header = """
    name: route
    model: m.gguf
    eval_sets: [{dataset: d/h.jsonl}]
    endpoints:
      hosted: {base_url: "http://127.0.0.1:9/v1", model: a}
      backup: {base_url: "http://127.0.0.1:10/v1", model: b}

    """

private func message(_ yaml: String) -> String {
    do {
        _ = try ExperimentFile.parse(yaml: header + yaml, file: file)
        return "parsed"
    } catch {
        return (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
}

@Test func routesMembersPolicyAndDrillsDecode() throws {
    let experiment = try ExperimentFile.parse(yaml: header + """
        routes:
          support:
            members: [{endpoint: hosted}, {endpoint: backup}, {variant: local}]
            failover: {on: [5xx, timeout], after_retries: 2}
        variants:
          - {name: local, adapter: none}
          - {name: support-route, route: support}
        drills:
          - {name: brownout, route: support, inject: {member: hosted, fail_rate: 0.3, status: 429, seed: 7}}
          - {name: down, route: support, inject: {member: backup, down: true}}
        """, file: file)
    #expect(experiment.routes == [RoutePlan(name: "support", members: [
        RouteMemberPlan(.endpoint("hosted")), RouteMemberPlan(.endpoint("backup")), RouteMemberPlan(.variant("local")),
    ], failover: FailoverPolicy(on: [.serverError, .timeout], afterRetries: 2))])
    #expect(experiment.variants[1] == VariantPlan(name: "support-route", source: .route(name: "support")))
    #expect(experiment.drills == [
        DrillPlan(name: "brownout", route: "support", inject: FailureInjection(member: "hosted", failRate: 0.3, status: 429, seed: 7)),
        DrillPlan(name: "down", route: "support", inject: FailureInjection(member: "backup", failRate: 1, seed: 0, down: true)),
    ])
    #expect(experiment.drills[1].inject.status == nil && experiment.drills[1].inject.failRate == 1)
}

@Test func memberFloorsNameAMemberThatSomeVariantEvaluatesAlone() throws {
    let route = "routes:\n  support:\n    members: [{endpoint: hosted}, {variant: local}]\n"
    let variants = "variants:\n  - {name: local, adapter: none}\n  - {name: r, route: support}\n"
    let experiment = try ExperimentFile.parse(yaml: header + route + "    member_floors: {local: {em: 20, chrf: 30}}\n" + variants, file: file)
    #expect(experiment.routes[0].memberFloors == ["local": ["em": 20, "chrf": 30]])
    #expect(message(route + "    member_floors: {hosted: {em: 20}}\n" + variants)
        .contains("sets member_floors for endpoint member 'hosted', which no variant evaluates on its own; add a variant {name: hosted, endpoint: hosted}"))
    #expect(try ExperimentFile.parse(yaml: header + route + "    member_floors: {hosted: {em: 20}}\n" + variants
        + "  - {name: hosted-alone, endpoint: hosted}\n", file: file).routes[0].memberFloors == ["hosted": ["em": 20]])
    #expect(message(route + "    member_floors: {ghost: {em: 20}}\n" + variants).contains("names no member of the route (they are hosted, local)"))
    #expect(message(route + "    member_floors: {local: {emm: 20}}\n" + variants).contains("did you mean 'em'"))
}

@Test func badRoutesAndDrillsNameTheKeyAndTheFix() {
    let variants = "variants:\n  - {name: local, adapter: none}\n  - {name: r, route: support}\n"
    let route = "routes:\n  support:\n    members: [{endpoint: hosted}, {endpoint: backup}]\n"
    #expect(message("routes:\n  support:\n    members: [{endpoint: hosted}]\n" + variants)
        .contains("'routes.support.members' at Experiments/route.yaml:9 lists 1 member; a route needs a primary and at least one fallback"))
    #expect(message("routes:\n  support:\n    members: [{endpoint: hosted}, {endpoint: nope}]\n" + variants)
        .contains("routes.support.members[1].endpoint"))
    #expect(message("routes:\n  support:\n    members: [{endpoint: hosted}, {variant: ghost}]\n" + variants)
        .contains("member variant 'ghost', which is not under variants (they are local, r)"))
    #expect(message(route + "    failover: {on: [500]}\n" + variants).contains("use one of 5xx, 429, timeout, connect"))
    #expect(message(route + "variants:\n  - {name: local, adapter: none}\n  - {name: r, route: other}\n")
        .contains("variants[1].route"))
    #expect(message(route + variants + "drills:\n  - {name: d, route: support, inject: {member: hosted, fail_rate: 1.5}}\n")
        .contains("'drills[0].inject.fail_rate' at Experiments/route.yaml:14 is 1.5; use a share above 0 and at most 1"))
    #expect(message(route + variants + "drills:\n  - {name: d, route: support, inject: {member: hosted, fail_rate: 0.2, status: 404}}\n")
        .contains("'drills[0].inject.status' at Experiments/route.yaml:14 is 404; inject a status a route fails over on"))
    #expect(message(route + variants + "drills:\n  - {name: d, route: support, inject: {member: local, down: true}}\n")
        .contains("drills[0].inject.member"))
    #expect(message(route + variants + "drills:\n  - {name: d, route: support, inject: {member: hosted, down: true, fail_rate: 0.5}}\n")
        .contains("is set together with down: true"))
    #expect(message(route + "variants:\n  - {name: a, adapter: none}\n  - {name: b, endpoint: hosted}\n"
        + "drills:\n  - {name: d, route: support, inject: {member: hosted, down: true}}\n")
        .contains("names route 'support', which no variant serves"))
}

@Test func injectionIsReproducibleAndFailsItsShare() {
    let injection = FailureInjection(member: "hosted", failRate: 0.3, status: 503, seed: 1)
    let draws = (0..<20_000).map { injection.fails(exampleIndex: $0) }
    #expect(draws == (0..<20_000).map { FailureInjection(member: "x", failRate: 0.3, seed: 1).fails(exampleIndex: $0) })
    // Binomial(20 000, 0.3): the share is within 4 standard deviations (0.013) of 0.3.
    let share = Double(draws.filter { $0 }.count) / 20_000
    #expect(abs(share - 0.3) < 0.013, "share \(share)")
    let otherSeed = (0..<20_000).map { FailureInjection(member: "x", failRate: 0.3, seed: 2).fails(exampleIndex: $0) }
    #expect(otherSeed != draws)
    #expect((0..<100).allSatisfy { FailureInjection(member: "x", failRate: 1, down: true).fails(exampleIndex: $0) })
}

@Test func failuresMapToTheConditionsAPolicyNames() {
    let table: [(String, Int?, FailoverCondition?)] = [
        ("exhausted", 503, .serverError), ("exhausted", 500, .serverError), ("exhausted", 429, .rateLimited),
        ("exhausted", 408, .timeout), ("exhausted", nil, .connect), ("quota", 429, .rateLimited), ("timeout", nil, .timeout),
        ("unreachable", nil, .connect), ("not_sent", nil, .connect), ("rejected", 400, nil), ("rejected", 401, nil),
        ("injected", 503, .serverError), ("injected", 429, .rateLimited), ("injected", nil, .connect),
    ]
    for (kind, status, expected) in table {
        #expect(FailoverCondition.of(kind: kind, httpStatus: status) == expected, "\(kind) \(String(describing: status))")
    }
    #expect(!FailoverPolicy(on: [.serverError]).failsOver(.rateLimited))
    #expect(!FailoverPolicy().failsOver(nil))
}

@Test func theFailoverDrillExperimentParsesWithItsRouteAndBothDrills() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Experiments/failover-drill.yaml")
    let experiment = try ExperimentFile.load(path: url.path)
    #expect(experiment.routes.map(\.name) == ["support"] && experiment.routes[0].members.map(\.name) == ["tuned", "base"])
    #expect(experiment.variants.last?.source == .route(name: "support"))
    #expect(experiment.drills.map(\.inject) == [FailureInjection(member: "tuned", failRate: 0.3, status: 503, seed: 1),
                                                FailureInjection(member: "tuned", failRate: 1, down: true)])
    let lora = try ExperimentFile.load(path: url.deletingLastPathComponent().appendingPathComponent("support-routing-lora.yaml").path)
    #expect(experiment.training == lora.training)
}
