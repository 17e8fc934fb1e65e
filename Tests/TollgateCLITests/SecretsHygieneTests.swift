import Foundation
import TestSupport
import Testing

/// No API key, token or Authorization header from the environment ever reaches a file a command
/// writes (store, WAL, reports, JSON summaries, adapters, markers) or its output and error lines.
/// Each scenario is a list of commands run in one folder with the keys planted; an endpoint
/// scenario (`eval --endpoint … --api-key-env HOSTED_API_KEY`) is one more entry in `scenarios`.
@Suite(.serialized) struct SecretsHygieneTests {
    static let model = Fixtures.url("tiny-llama.gguf").path

    /// Values no command has any reason to write: each is grepped for, byte for byte.
    static let plantedEnvironment = [
        "OPENAI_API_KEY": "sk-tollgate-planted-openai-5f2c9a1e7b",
        "HOSTED_API_KEY": "hk-tollgate-planted-hosted-83d1e6c0aa",
        "ANTHROPIC_API_KEY": "sk-ant-tollgate-planted-0c7e2b91",
        "HF_TOKEN": "hf_tollgatePlantedToken7Qx2",
        "TOLLGATE_API_TOKEN": "tg-planted-token-4410",
        "AUTHORIZATION": "Bearer tollgate-planted-bearer-91aa",
    ]

    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        /// Whether the commands talk to an endpoint: the fault server, requiring HOSTED_API_KEY.
        var endpoint = false
        /// Commands (tollgate arguments) to run in `folder`, in order; any exit status is accepted.
        /// `baseURL` is the endpoint's when `endpoint` is set.
        var commands: @Sendable (_ folder: URL, _ baseURL: String) throws -> [[String]]
        var testDescription: String { name }
    }

    static func holdout(in folder: URL, count: Int = 6) throws -> String {
        let lines = (0..<count).map { #"{"id": "s\#($0)", "prompt": "Refund order \#($0) please", "completion": "billing_refund"}"# }
        let url = folder.appendingPathComponent("holdout.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "local eval with a JSON summary, then history and audit") { folder, _ in
            let data = try holdout(in: folder), store = folder.appendingPathComponent("t.db").path
            return [["eval", "--model", model, "--data", data, "--store", store, "--max-tokens", "4",
                     "--json", folder.appendingPathComponent("summary.json").path],
                    ["eval", "--model", model, "--data", data, "--store", store, "--max-tokens", "4", "--redact", "all"],
                    ["history", "--store", store], ["history", "--store", store, "--evaluation", "1"],
                    ["audit", "--store", store, "--json"]]
        },
        Scenario(name: "local run with training, reports rendered again, then prune") { folder, _ in
            let data = try holdout(in: folder), store = folder.appendingPathComponent("t.db").path
            let yaml = """
                name: secrets
                model: \(model)
                training: {data: \(data), out: \(folder.path)/adapter, rank: 2, steps: 2, batch_size: 2, save_every: 1}
                eval_sets:
                  - {dataset: \(data), metrics: [chrf, em], decoding: {max_tokens: 4}}
                gates:
                  chrf: {max_drop: 100}
                privacy: {redact: [email], retain_text_days: 30}
                """
            let experiment = folder.appendingPathComponent("secrets.yaml")
            try yaml.write(to: experiment, atomically: true, encoding: .utf8)
            let reports = folder.appendingPathComponent("Reports").path
            return [["run", experiment.path, "--store", store, "--reports", reports],
                    ["report", "--store", store, "--format", "junit", "--out", "\(reports)/junit.xml"],
                    ["report", "--store", store, "--format", "json"],
                    ["prune", "--older-than", "0d", "--store", store]]
        },
        Scenario(name: "endpoint eval, a provider swap against the local model, a failing key, history and compare",
                 endpoint: true) { folder, baseURL in
            let data = try holdout(in: folder), store = folder.appendingPathComponent("t.db").path
            let yaml = """
                name: secrets-swap
                model: \(model)
                endpoints:
                  hosted: {base_url: "\(baseURL)", model: fault-model, api_key_env: HOSTED_API_KEY,
                           headers: {x-team-token: "${TOLLGATE_API_TOKEN}"}}
                variants: [{name: local, adapter: none}, {name: hosted, endpoint: hosted}]
                eval_sets:
                  - {dataset: \(data), metrics: [chrf, em], decoding: {max_tokens: 4}}
                gates:
                  chrf: {max_drop: 100}
                """
            let experiment = folder.appendingPathComponent("swap.yaml")
            try yaml.write(to: experiment, atomically: true, encoding: .utf8)
            let endpoint = ["--endpoint", baseURL, "--endpoint-model", "fault-model", "--data", data, "--store", store]
            return [["eval"] + endpoint + ["--api-key-env", "HOSTED_API_KEY", "--json", folder.appendingPathComponent("e.json").path],
                    ["eval"] + endpoint + ["--api-key-env", "OPENAI_API_KEY", "--no-cache"],  // the server refuses this key: 401
                    ["run", experiment.path, "--store", store, "--reports", folder.appendingPathComponent("Reports").path],
                    ["history", "--store", store], ["compare", "1", "3", "--store", store], ["audit", "--store", store]]
        },
        Scenario(name: "commands that fail on bad input") { folder, _ in
            let store = folder.appendingPathComponent("t.db").path
            return [["eval", "--model", model, "--data", folder.appendingPathComponent("missing.jsonl").path, "--store", store],
                    ["eval", "--model", folder.appendingPathComponent("missing.gguf").path, "--data", try holdout(in: folder), "--store", store],
                    ["run", folder.appendingPathComponent("missing.yaml").path, "--store", store]]
        },
    ]

    @Test(arguments: scenarios)
    func plantedKeysAppearInNoFileAndNoOutput(_ scenario: Scenario) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = scenario.endpoint
            ? try ScriptedChatServer(environment: ["EXPECTED_KEY": Self.plantedEnvironment["HOSTED_API_KEY"]!]) : nil
        defer { server?.stop() }
        var outputs = ""
        for arguments in try scenario.commands(folder, server?.baseURL ?? "") {
            let result = try TollgateBinary.run(arguments, environment: Self.plantedEnvironment, currentDirectory: folder)
            #expect(result.status != 64, "\(arguments.first ?? "") was a usage error: \(result.stderr)")
            outputs += result.stdout + result.stderr
        }
        let written = PrivacyCorpus.files(under: folder)
        #expect(written.count >= 1, "the scenario wrote files to search")
        for (name, value) in Self.plantedEnvironment {
            let files = try PrivacyCorpus.filesContaining(value, under: folder)
            #expect(files.isEmpty, "\(name) written to \(files)")
            #expect(!outputs.contains(value), "\(name) printed")
        }
        let headers = try PrivacyCorpus.filesContaining("Authorization", under: folder)
        #expect(headers.isEmpty && !outputs.contains("Authorization"), "an Authorization header in \(headers)")
    }
}
