import Foundation
import TestSupport
import Testing

/// Multiple-choice scoring through llama.cpp's server (llama-cpp-python): with `--logits_all true`
/// it echoes prompt log-probabilities, and Tollgate's per-choice log-likelihoods must be exactly the
/// sums of the server's own token log-probabilities; without it the server cannot, and `tollgate eval`
/// must say so in one line (exit 2) instead of scoring every choice 0.0 (chance accuracy).
@Suite(.serialized, .enabled(if: LlamaCppServer.testsEnabled && Fixtures.smolLM2 != nil))
struct LlamaCppLogLikelihoodTests {
    let piqa = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Datasets/piqa/validation-1000.jsonl").path

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-loglik-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, server.baseURL, piqa, String(limit)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as? [[Double]] ?? []
    }

    func choices(_ jsonPath: URL) throws -> [[Double]] {
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonPath)) as? [String: Any] ?? [:]
        let results = summary["results"] as? [[String: Any]] ?? []
        return results.map { ($0["choices"] as? [[String: Any]] ?? []).map { ($0["loglik"] as? Double) ?? .nan } }
    }

    @Test func endpointScoresAreTheServersOwnLogProbabilities() throws {
        let folder = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LlamaCppServer(model: Fixtures.smolLM2!, extraArguments: ["--logits_all", "true"])
        defer { server.stop() }
        let limit = 12
        let reference = try serverLogLikelihoods(server, limit: limit)
        #expect(reference.count == limit)
        let served = folder.appendingPathComponent("served.json"), local = folder.appendingPathComponent("local.json")
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
        // The same items scored here in float32: llama.cpp multiplies the Q4_1 blocks with 8-bit
        // activations, so sums of ~15 tokens differ by a few hundredths of a nat, not more.
        let here = try TollgateBinary.run(["eval", "--kind", "multiple_choice", "--model", Fixtures.smolLM2!.path, "--data", piqa,
                                           "--limit", String(limit), "--store", folder.appendingPathComponent("t.db").path,
                                           "--json", local.path])
        #expect(here.status == 0, "\(here.stderr)")
        let worst = zip(try choices(local), scores).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .nan
        #expect(worst < 0.5, "largest per-choice difference from the local float32 scores: \(worst)")
    }

    @Test func aServerWithoutPromptLogProbabilitiesIsExitTwoInOneLine() throws {
        let folder = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: folder) }
        let server = try LlamaCppServer(model: Fixtures.smolLM2!)
        defer { server.stop() }
        let result = try TollgateBinary.run(["eval", "--kind", "multiple_choice", "--endpoint", server.baseURL,
                                             "--endpoint-model", "smollm2", "--data", piqa, "--limit", "2",
                                             "--store", folder.appendingPathComponent("t.db").path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("eval:") }
        #expect(lines.count == 1 && lines[0].contains("cannot score log-likelihoods"), "\(result.stderr)")
    }
}
