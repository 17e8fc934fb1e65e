import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// A route with the fault-injecting server as primary and llama.cpp's server (SmolLM2, greedy) as
/// fallback, run as deployed and under drills: every example answered exactly once, the fallback's
/// share where the drill puts it, the member of every answer in the store, a re-run that sends
/// nothing, and exit 3 naming the route and its members when no member can answer.
@Suite(.serialized, .enabled(if: LlamaCppServer.testsEnabled && Fixtures.smolLM2 != nil))
struct RouteDrillTests {
    static let examples = 50
    let holdout = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Datasets/support-routing/holdout.jsonl").path

    /// With `fallbackFloor`, the fallback must reach em ≥ it on its own (a variant evaluates it alone).
    func experiment(primary: String, fallback: String, baseline: String, fallbackFloor: Double? = nil) -> String {
        """
        name: route-drill-test
        model: \(Fixtures.smolLM2!.path)
        endpoints:
          primary:
            base_url: \(primary)
            model: fault-model
            max_concurrency: 4
            stream: false
            price: {input_per_million: 1.0, output_per_million: 2.0}
            timeout: {connect: 2, first_token: 30, total: 60}
          fallback:
            base_url: \(fallback)
            model: smollm2
            max_concurrency: 2
            stream: false
            price: {input_per_million: 0.1, output_per_million: 0.2}
            timeout: {connect: 2, first_token: 60, total: 120}
          baseline:
            base_url: \(baseline)
            model: smollm2
            stream: false
        routes:
          support:
            members: [{endpoint: primary}, {endpoint: fallback}]
            failover: {on: [5xx, 429, timeout, connect], after_retries: 1}
        \(fallbackFloor.map { "    member_floors: {fallback: {em: \($0)}}" } ?? "")
        variants:
          - {name: served, endpoint: baseline}
          - {name: support-route, route: support}
        \(fallbackFloor == nil ? "" : "  - {name: fallback-alone, endpoint: fallback}")
        drills:
          - {name: brownout, route: support, inject: {member: primary, fail_rate: 0.3, status: 503, seed: 1}}
          - {name: primary-down, route: support, inject: {member: primary, down: true}}
        eval_sets:
          - name: support-routing
            dataset: \(holdout)
            metrics: [em, chrf]
            decoding: {max_tokens: 8}
            limit: \(Self.examples)
        gates:
          em: {floor: 20}
        budgets: {max_cost: 1.0}
        """
    }


    /// The route evaluations of a run (architecture "route"), by model path, and their steps.
    func routeEvaluations(_ store: String, run: Int64) throws -> [(path: String, id: Int64)] {
        let queue = try DatabaseQueue(path: store)
        return try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT model.path AS path, evaluation.id AS id FROM evaluation JOIN model ON model.id = evaluation.model_id
                WHERE evaluation.run_id = ? AND model.architecture = 'route' ORDER BY evaluation.id
                """, arguments: [run]).map { ($0["path"], $0["id"]) }
        }
    }

    func lastRun(_ store: String) throws -> Int64 {
        try DatabaseQueue(path: store).read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM run")! }
    }

    /// Per example of an evaluation: the member position that answered (nil: none), and the steps' outcomes.
    func answeredBy(_ store: TollgateStore, evaluation: Int64) throws -> (answered: [Int: Int], injected: Set<Int>) {
        let steps = try store.routeSteps(evaluationID: evaluation)
        var answered: [Int: Int] = [:]
        for step in steps where step.outcome == .answered {
            #expect(answered[step.exampleIndex] == nil, "example \(step.exampleIndex) answered twice")
            answered[step.exampleIndex] = step.position
        }
        return (answered, Set(steps.filter { $0.outcome == .injected }.map(\.exampleIndex)))
    }

    @Test func drillsShiftTheShareToTheFallbackAndAReRunSendsNothing() throws {
        let folder = try Fixtures.temporaryFolder("routes"); defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try LlamaCppServer(model: Fixtures.smolLM2!)
        defer { llama.stop() }
        let fault = try ScriptedChatServer()
        defer { fault.stop() }
        let file = folder.appendingPathComponent("route.yaml")
        try experiment(primary: fault.baseURL, fallback: llama.baseURL, baseline: llama.baseURL, fallbackFloor: 10)
            .write(to: file, atomically: true, encoding: .utf8)
        let storePath = folder.appendingPathComponent("t.db").path
        let reports = folder.appendingPathComponent("reports").path
        func run(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TollgateBinary.run(["run", file.path, "--store", storePath, "--reports", reports] + extra)
        }

        // The route as deployed: the primary answers everything.
        let plain = try run([])
        #expect(plain.status == 0 || plain.status == 1, "\(plain.stderr)")
        let store = try TollgateStore(path: storePath)
        let undisturbed = try routeEvaluations(storePath, run: try lastRun(storePath))
        #expect(undisturbed.count == 1)
        let first = try answeredBy(store, evaluation: undisturbed[0].id)
        #expect(first.answered.count == Self.examples && first.answered.values.allSatisfy { $0 == 0 })
        #expect(try fault.stats().requests == Self.examples)

        // 30% brownout of the primary: injected examples go to llama.cpp and never reach the primary.
        let brownout = try run(["--drill", "brownout"])
        #expect(brownout.status == 0 || brownout.status == 1, "\(brownout.stderr)")
        let drillRun = try lastRun(storePath)
        let routes = try routeEvaluations(storePath, run: drillRun)
        #expect(routes.count == 2 && routes[1].path.contains("(drill brownout)"))
        let drilled = try answeredBy(store, evaluation: routes[1].id)
        let predictions = try store.predictions(evaluationID: routes[1].id)
        #expect(predictions.count == Self.examples && Set(predictions.map(\.exampleIndex)).count == Self.examples)
        #expect(drilled.answered.count == Self.examples)
        let fallbackShare = Double(drilled.answered.values.filter { $0 == 1 }.count) / Double(Self.examples)
        let halfWidth = 1.96 * (0.3 * 0.7 / Double(Self.examples)).squareRoot()
        #expect(abs(fallbackShare - 0.3) <= halfWidth, "fallback share \(fallbackShare)")
        #expect(Set(drilled.answered.filter { $0.value == 1 }.keys) == drilled.injected)
        #expect(try fault.stats().requests == Self.examples, "an injected failure must not be sent")
        // The gate's decision on the drilled route follows the em floor of 20, and the fallback's
        // own floor of 10 (on its own evaluation).
        let json = try String(contentsOfFile: "\(reports)/route-drill-test-run\(drillRun).json", encoding: .utf8)
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        let report = document["report"] as? [String: Any] ?? [:]
        let variants = ((report["variants"] as? [String: Any])?["variants"] as? [[String: Any]]) ?? []
        #expect((report["routes"] as? [[String: Any]])?.count == 2)
        let drilledVariant = variants.first { ($0["name"] as? String) == "support-route under brownout" } ?? [:]
        let em = ((drilledVariant["scores"] as? [[String: Any]]) ?? []).first { ($0["metric"] as? String) == "em" }
        let emValue = ((em?["score"] as? [String: Any])?["value"] as? Double) ?? -1
        let alone = variants.first { ($0["name"] as? String) == "fallback-alone" } ?? [:]
        let aloneEm = (((alone["scores"] as? [[String: Any]]) ?? []).first { ($0["metric"] as? String) == "em" }?["score"]
            as? [String: Any])?["value"] as? Double ?? -1
        #expect(emValue >= 0 && aloneEm >= 0)
        #expect(brownout.status == (emValue >= 20 && aloneEm >= 10 ? 0 : 1), "em \(emValue), alone \(aloneEm), \(brownout.stdout.suffix(400))")
        let reasons = ((drilledVariant["decision"] as? [String: Any])?["outcomes"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("em of fallback on its own, route support's member") && $0.contains("floor of 10") })
        let markdown = try String(contentsOfFile: "\(reports)/route-drill-test-run\(drillRun).md", encoding: .utf8)
        #expect(markdown.contains("## Routes") && markdown.contains("**support-route under brownout**")
                && markdown.contains("↳ primary") && markdown.contains("↳ fallback"))

        // The primary down: the fallback answers every example.
        let down = try run(["--drill", "primary-down"])
        #expect(down.status == 0 || down.status == 1, "\(down.stderr)")
        let downRoutes = try routeEvaluations(storePath, run: try lastRun(storePath))
        let allFallback = try answeredBy(store, evaluation: downRoutes[1].id)
        #expect(allFallback.answered.count == Self.examples && allFallback.answered.values.allSatisfy { $0 == 1 })
        #expect(allFallback.injected.count == Self.examples)

        // An identical re-run with both servers stopped: every answer from the members' caches.
        llama.stop()
        fault.stop()
        let again = try run(["--drill", "brownout"])
        #expect(again.status == brownout.status, "\(again.stderr)")
        let rerun = try routeEvaluations(storePath, run: try lastRun(storePath))
        let cached = try store.predictions(evaluationID: rerun[1].id)
        #expect(cached.count == Self.examples && cached.allSatisfy(\.fromCache))
        #expect(try answeredBy(store, evaluation: rerun[1].id).answered == drilled.answered)
        #expect(zip(cached.sorted { $0.exampleIndex < $1.exampleIndex }, predictions.sorted { $0.exampleIndex < $1.exampleIndex })
            .allSatisfy { $0.output == $1.output })
    }

    @Test func aRouteWhoseEveryMemberIsDownIsExit3NamingItAndWritesNoPrediction() throws {
        let folder = try Fixtures.temporaryFolder("routes"); defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try LlamaCppServer(model: Fixtures.smolLM2!)
        defer { llama.stop() }
        let fault = try ScriptedChatServer()
        defer { fault.stop() }
        try fault.setMode("down")
        let nothing = "http://127.0.0.1:\(try LlamaCppServer.freePort())/v1"
        let file = folder.appendingPathComponent("route.yaml")
        try experiment(primary: fault.baseURL, fallback: nothing, baseline: llama.baseURL)
            .replacingOccurrences(of: "limit: \(Self.examples)", with: "limit: 12")
            .write(to: file, atomically: true, encoding: .utf8)
        let storePath = folder.appendingPathComponent("t.db").path
        let result = try TollgateBinary.run(["run", file.path, "--store", storePath, "--reports", folder.appendingPathComponent("r").path])
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("route support: primary → fallback") && result.stderr.contains("primary: HTTP 503")
                && result.stderr.contains("fallback: endpoint") && result.stderr.contains("is unreachable"), "\(result.stderr)")
        let route = try routeEvaluations(storePath, run: try lastRun(storePath))
        #expect(route.count == 1)
        let store = try TollgateStore(path: storePath)
        #expect(try store.predictions(evaluationID: route[0].id).isEmpty)
        #expect(try store.requestFailures(evaluationID: route[0].id).count == 12)
        // Each example: the primary's own failure, then the fallback's; none answered.
        let steps = try store.routeSteps(evaluationID: route[0].id)
        #expect(steps.count == 24 && steps.allSatisfy { $0.outcome == .failed })
        #expect(try fault.stats().requests == 24, "each example tried once and retried once at the primary")
    }
}
