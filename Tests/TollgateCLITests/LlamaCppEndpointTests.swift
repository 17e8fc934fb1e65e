import Foundation
import Store
import TestSupport
import Testing

/// SmolLM2 served by llama.cpp's own OpenAI-compatible server: Tollgate's client must add nothing
/// and lose nothing (every answer equal to the server's answer to a plain request, usage equal to
/// the server's), and a provider swap gates a local model against the served one.
@Suite(.serialized, .enabled(if: LlamaCppServer.testsEnabled && Fixtures.smolLM2 != nil))
struct LlamaCppEndpointTests {
    let holdout = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Datasets/support-routing/holdout.jsonl").path


    /// Each holdout message sent once, one at a time, by Python's urllib without streaming:
    /// the server's own answers and usage, [[content, prompt_tokens, completion_tokens], …].
    func serverAnswers(_ server: LlamaCppServer, maxTokens: Int) throws -> [(String, Int, Int)] {
        let script = """
            import json, sys, urllib.request
            out = []
            for line in open(sys.argv[2]):
                if not line.strip(): continue
                prompt = json.loads(line)["prompt"]
                body = json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": prompt}],
                                   "max_tokens": int(sys.argv[3]), "temperature": 0}).encode()
                request = urllib.request.Request(sys.argv[1] + "/chat/completions", body, {"Content-Type": "application/json"})
                answer = json.load(urllib.request.urlopen(request, timeout=120))
                out.append([answer["choices"][0]["message"]["content"], answer["usage"]["prompt_tokens"],
                            answer["usage"]["completion_tokens"]])
            print(json.dumps(out))
            """
        let data = try server.outputOfPythonClient(script, arguments: [holdout, String(maxTokens)])
        let rows = try JSONSerialization.jsonObject(with: data) as? [[Any]] ?? []
        return rows.map { ($0[0] as? String ?? "", $0[1] as? Int ?? -1, $0[2] as? Int ?? -1) }
    }

    @Test func answersAndUsageEqualTheServersOwnAndAProviderSwapGatesAgainstIt() throws {
        let folder = try Fixtures.temporaryFolder("llamacpp"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LlamaCppServer(model: Fixtures.smolLM2!)
        defer { server.stop() }
        let reference = try serverAnswers(server, maxTokens: 8)
        #expect(reference.count == 210)

        // Streaming at concurrency 4, then whole answers one at a time (which carry usage).
        let store = folder.appendingPathComponent("t.db").path
        for extra in [["--concurrency", "4"], ["--concurrency", "1", "--no-stream"]] {
            let result = try TollgateBinary.run(["eval", "--endpoint", server.baseURL, "--endpoint-model", "smollm2",
                                                 "--data", holdout, "--store", store, "--max-tokens", "8",
                                                 "--metrics", "em,chrf"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let opened = try TollgateStore(path: store)
        let streamed = try opened.predictions(evaluationID: 1), whole = try opened.predictions(evaluationID: 2)
        #expect(streamed.count == 210 && whole.count == 210)
        let mismatched = zip(streamed, reference).filter { $0.0.output != $0.1.0 }
        #expect(mismatched.isEmpty, "\(mismatched.prefix(3).map { ($0.0.exampleIndex, $0.0.output, $0.1.0) })")
        #expect(zip(whole, reference).allSatisfy { $0.0.output == $0.1.0 })
        #expect(zip(whole, reference).allSatisfy { $0.0.promptTokens == $0.1.1 && $0.0.completionTokens == $0.1.2 && $0.0.usageReported })
        #expect(streamed.allSatisfy { $0.timeToFirstTokenSeconds != nil })
        // llama-cpp-python's server sends no usage chunk when streaming: marked missing, never invented.
        #expect(streamed.allSatisfy { !$0.usageReported && $0.completionTokens == 0 })
        #expect(streamed.filter { $0.finishReason == "length" }.count == reference.filter { $0.2 == 8 }.count)

        // A provider swap: SmolLM2 run here against the same model served by llama.cpp.
        let experiment = folder.appendingPathComponent("swap.yaml")
        try """
            name: provider-swap-test
            model: \(Fixtures.smolLM2!.path)
            endpoints:
              llamacpp:
                base_url: \(server.baseURL)
                model: smollm2
                max_concurrency: 4
                price: {input_per_million: 0.027, output_per_million: 0.201}
            variants:
              - {name: local, adapter: none}
              - {name: served, endpoint: llamacpp}
            eval_sets:
              - name: support-routing
                dataset: \(holdout)
                metrics: [em, chrf]
                decoding: {max_tokens: 8}
                limit: 40
            gates:
              chrf: {max_drop: 5, significance: 0.05}
            budgets: {max_cost: 0.01, cpu_hour_price: 0.05}
            """.write(to: experiment, atomically: true, encoding: .utf8)
        let reports = folder.appendingPathComponent("reports")
        let run = try TollgateBinary.run(["run", experiment.path, "--store", folder.appendingPathComponent("swap.db").path,
                                          "--reports", reports.path])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let markdown = try FileManager.default.contentsOfDirectory(atPath: reports.path).first { $0.hasSuffix(".md") }
        let text = try String(contentsOf: reports.appendingPathComponent(markdown ?? "missing.md"), encoding: .utf8)
        #expect(text.contains("first token (s)") && text.contains("error rate"))
        let servedRow = text.split(separator: "\n").first { $0.hasPrefix("| served |") } ?? ""
        // Markdown escapes the colons of "endpoint llamacpp: smollm2 at http://127.0.0.1:PORT/v1".
        #expect(servedRow.contains("endpoint llamacpp") && servedRow.contains("smollm2 at http") && servedRow.contains("\(server.port)/v1"))
        #expect(servedRow.contains("0%"))
    }
}
