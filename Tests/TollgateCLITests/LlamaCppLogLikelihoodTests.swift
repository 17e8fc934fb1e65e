import Foundation
import TestSupport
import Testing

/// Multiple-choice scoring through llama.cpp's server (llama-cpp-python 0.3.36, `--logits_all true`):
/// Tollgate's per-choice log-likelihoods must be exactly the sums of the server's own echoed token
/// log-probabilities. A server that answers without prompt log-probabilities (the fault server
/// answers every POST with a plain chat completion) must be exit 2 in one line, never a score.
///
/// Measured on 2026-12-06: the server's echoed prompt log-probabilities are not those of the model —
/// on "Question: How do I open a jar?\nAnswer: Twist the lid" it gives ":" after "Question" −11.1 and
/// " the" after " Twist" −7.0, and per-choice sums differ from Tollgate's float32 scores (equal to
/// lm-eval's within 1e-3) by up to 243 nats over 12 PIQA items — so the test holds Tollgate to the
/// server's numbers, not the server to the model's.
@Suite(.serialized, .enabled(if: LlamaCppServer.testsEnabled && Fixtures.smolLM2 != nil))
struct LlamaCppLogLikelihoodTests {
    let piqa = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Datasets/piqa/validation-1000.jsonl").path


    /// The server's own numbers, by Python's urllib: per item, per choice, the sum of token_logprobs
    /// of echo(context + " " + choice) after the tokens of echo(context) (the generated token dropped).
    func serverLogLikelihoods(_ server: LlamaCppServer, limit: Int) throws -> [[Double]] {
        let script = """
            import json, sys, urllib.request
            def echo(text):
                body = json.dumps({"prompt": text, "max_tokens": 1, "echo": True, "logprobs": 1, "temperature": 0}).encode()
                request = urllib.request.Request(sys.argv[1] + "/completions", body, {"Content-Type": "application/json"})
                return json.load(urllib.request.urlopen(request, timeout=120))["choices"][0]["logprobs"]["token_logprobs"][:-1]
            out = []
            for line in open(sys.argv[2]).readlines()[:int(sys.argv[3])]:
                item = json.loads(line)
                n = len(echo(item["context"]))
                out.append([sum(echo(item["context"] + " " + choice)[n:]) for choice in item["choices"]])
            print(json.dumps(out))
            """
        let data = try server.outputOfPythonClient(script, arguments: [piqa, String(limit)])
        return try JSONSerialization.jsonObject(with: data) as? [[Double]] ?? []
    }

    func choices(_ jsonPath: URL) throws -> [[Double]] {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonPath)) as? [String: Any] ?? [:]
        let results = summary["results"] as? [[String: Any]] ?? []
        return results.map { ($0["choices"] as? [[String: Any]] ?? []).map { ($0["loglik"] as? Double) ?? .nan } }
    }

    @Test func endpointScoresAreTheServersOwnLogProbabilities() throws {
        let folder = try Fixtures.temporaryFolder("loglik"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LlamaCppServer(model: Fixtures.smolLM2!, extraArguments: ["--logits_all", "true"])
        defer { server.stop() }
        let limit = 12
        let reference = try serverLogLikelihoods(server, limit: limit)
        #expect(reference.count == limit)
        let served = folder.appendingPathComponent("served.json")
        let result = try TollgateBinary.run(["eval", "--kind", "multiple_choice", "--endpoint", server.baseURL,
                                             "--endpoint-model", "smollm2", "--concurrency", "2", "--data", piqa,
                                             "--limit", String(limit), "--store", folder.appendingPathComponent("t.db").path,
                                             "--json", served.path])
        #expect(result.status == 0, "\(result.stderr)")
        let scores = try choices(served)
        #expect(scores.count == limit)
        for (mine, theirs) in zip(scores, reference) {
            #expect(mine.count == theirs.count)
            for (a, b) in zip(mine, theirs) { #expect(abs(a - b) < 1e-6, "\(a) vs the server's \(b)") }
        }
    }

    @Test func aServerWithoutPromptLogProbabilitiesIsExitTwoInOneLine() throws {
        let folder = try Fixtures.temporaryFolder("loglik"); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ScriptedChatServer()
        defer { server.stop() }
        let result = try TollgateBinary.run(["eval", "--kind", "multiple_choice", "--endpoint", server.baseURL,
                                             "--endpoint-model", "smollm2", "--data", piqa, "--limit", "2",
                                             "--store", folder.appendingPathComponent("t.db").path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("eval:") }
        #expect(lines.count == 1 && lines[0].contains("cannot score log-likelihoods"), "\(result.stderr)")
    }
}
