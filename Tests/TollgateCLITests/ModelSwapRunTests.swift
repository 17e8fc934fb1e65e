import Foundation
import TestSupport
import Testing

/// `tollgate run` on a model-swap experiment (`variants:`) with the tiny fixture model: the fused
/// variants are written under the run folder (and reused), every variant is evaluated, the report
/// has a row per variant, and the exit code is 0 when a candidate passes and 1 when none does.
@Suite(.serialized) struct ModelSwapRunTests {
    let model = Fixtures.url("tiny-llama.gguf").path
    let adapter = Fixtures.url("tiny-llama-lora").path

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-swap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A holdout (and training) set and a model-swap experiment whose adapter is `adapterBlock`.
    func experiment(in dir: URL, model: String? = nil, adapterBlock: String, variants: String, gates: String) throws -> String {
        let lines = (0..<16).map { #"{"id": "e\#($0)", "prompt": "Where is my parcel number \#($0)?", "completion": "shipping_delay"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        try (lines.prefix(6).joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("holdout.jsonl"),
                                                                   atomically: true, encoding: .utf8)
        let yaml = """
            name: cli-swap
            model: \(model ?? self.model)
            \(adapterBlock)
            eval_sets:
              - name: holdout
                dataset: holdout.jsonl
                metrics: [em, chrf]
                decoding: {max_tokens: 4}
            variants:
            \(variants)
            gates:
            \(gates)
            budgets: {cost_per_1000_requests: 1, cpu_hour_price: 0.05}
            """
        let path = dir.appendingPathComponent("swap.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Table rows of the markdown's "## Variants" section, keyed by variant name.
    func variantRows(_ markdown: String) -> [String: String] {
        let section = markdown.components(separatedBy: "## Variants")[1].components(separatedBy: "### Files")[0]
        var rows: [String: String] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| variant") && !line.hasPrefix("| ---") {
            let name = line.split(separator: "|")[0].trimmingCharacters(in: .whitespaces)
            rows[name.replacingOccurrences(of: "\\", with: "")] = String(line)
        }
        return rows
    }

    @Test func trainedAdapterIsFusedAtEachTypeEvaluatedAndTheCheapestPassingOneRecommended() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, adapterBlock: """
            training: {data: train.jsonl, out: runs/adapter, rank: 4, steps: 2, batch_size: 4, lr: 1.0e-2}
            """, variants: """
              - name: runtime
              - {name: fused-f32, fuse: f32}
              - {name: fused-q8_0, fuse: q8_0}
              - {name: fused-q4_0, fuse: q4_0}
            """, gates: "  chrf: {max_drop: 100}")
        let result = try TollgateBinary.run(["run", path, "--store", "t.db", "--reports", "Reports"], currentDirectory: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("GO: "))
        #expect(result.stdout.contains("of 3 candidates that pass every rule against runtime"))

        // Each fused file is a GGUF of its type beside a marker of what made it.
        for (type, tensorType) in [("f32", "F32"), ("q8_0", "Q8_0"), ("q4_0", "Q4_0")] {
            let fused = "runs/cli-swap/fused-\(type).gguf"
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(fused + ".tollgate-fuse.json").path))
            let inspect = try TollgateBinary.run(["inspect", "--json", fused], currentDirectory: dir)
            let types = try #require((try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])?["tensor_types"] as? [String: Int])
            #expect(types[tensorType, default: 0] >= 14, "\(fused): \(types)")
        }

        // One evaluation per variant, a table row per variant, exactly one recommendation.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("Reports/cli-swap-run1.json"))) as? [String: Any]
        let variants = try #require(((json?["report"] as? [String: Any])?["variants"] as? [String: Any])?["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["runtime", "fused-f32", "fused-q8_0", "fused-q4_0"])
        #expect(variants.map { $0["model_path"] as? String }.dropFirst()
                == ["runs/cli-swap/fused-f32.gguf", "runs/cli-swap/fused-q8_0.gguf", "runs/cli-swap/fused-q4_0.gguf"])
        #expect(variants.allSatisfy { ($0["scores"] as? [Any])?.count == 2 })
        let markdown = try String(contentsOf: dir.appendingPathComponent("Reports/cli-swap-run1.md"), encoding: .utf8)
        let rows = variantRows(markdown)
        #expect(Set(rows.keys) == ["runtime", "fused-f32", "fused-q8_0", "fused-q4_0"])
        #expect(rows["runtime"]?.hasSuffix("| baseline |") == true)
        #expect(rows.values.filter { $0.hasSuffix("| ✅ GO, recommended |") }.count == 1)
        // A fused f32 model computes what the adapter at runtime does: the same outputs, p = 1.
        #expect(rows["fused-f32"]?.contains("; 0.00, p = 1.000") == true)

        // The report renders again from the store; a second run fuses nothing.
        let again = try TollgateBinary.run(["report", "--store", "t.db"], currentDirectory: dir)
        #expect(again.stdout.trimmingCharacters(in: .newlines) == markdown.trimmingCharacters(in: .newlines))
        let fusedFile = dir.appendingPathComponent("runs/cli-swap/fused-q4_0.gguf").path
        let written = try FileManager.default.attributesOfItem(atPath: fusedFile)[.modificationDate] as? Date
        let second = try TollgateBinary.run(["run", path, "--store", "t.db", "--reports", "Reports"], currentDirectory: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.components(separatedBy: "holds the same fusion; reused").count == 4)
        #expect(try FileManager.default.attributesOfItem(atPath: fusedFile)[.modificationDate] as? Date == written)
    }

    @Test func noCandidatePassingIsExitOneWithEachCandidatesFailure() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        // The model through a symbolic link, as models/ usually holds it: its size is the target's.
        let link = dir.appendingPathComponent("linked.gguf")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: model)
        let path = try experiment(in: dir, model: link.path, adapterBlock: "adapter: \(adapter)", variants: """
              - name: runtime
              - {name: fused-q8_0, fuse: q8_0}
              - {name: base, adapter: none}
            """, gates: "  em: {floor: 101}")
        let result = try TollgateBinary.run(["run", path, "--store", "t.db", "--reports", "Reports"], currentDirectory: dir)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("NO-GO: None of the 2 candidates passes every rule against runtime (fused-q8_0: em on holdout is"))
        let markdown = try String(contentsOf: dir.appendingPathComponent("Reports/cli-swap-run1.md"), encoding: .utf8)
        let rows = variantRows(markdown)
        #expect(Set(rows.keys) == ["runtime", "fused-q8_0", "base"])
        #expect(rows["fused-q8_0"]?.hasSuffix("| ❌ NO-GO |") == true)
        #expect(rows["base"]?.hasSuffix("| ❌ NO-GO |") == true)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("Reports/cli-swap-run1.json"))) as? [String: Any]
        let variants = try #require(((json?["report"] as? [String: Any])?["variants"] as? [String: Any])?["variants"] as? [[String: Any]])
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1 }
        let adapterBytes = try size("\(adapter)/adapter_config.json") + size("\(adapter)/adapter_model.safetensors")
        #expect(variants.map { ($0["bytes"] as? NSNumber)?.int64Value } == [
            try size(model) + adapterBytes, try size(dir.appendingPathComponent("runs/cli-swap/fused-q8_0.gguf").path), try size(model)])
        #expect(markdown.contains("## fused-q8_0 against runtime: ❌ NO-GO"))
        let junit = try String(contentsOf: dir.appendingPathComponent("Reports/cli-swap-run1.xml"), encoding: .utf8)
        #expect(junit.contains(#"<testsuite name="cli-swap.selection" tests="1" failures="1""#))
        #expect(junit.contains(#"<testsuite name="cli-swap.base/holdout" tests="1" failures="1""#))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/cli-swap/fused-q8_0.gguf").path))
    }

    @Test func aBadFuseTypeIsExitTwoBeforeAnythingRuns() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = try experiment(in: dir, adapterBlock: "adapter: \(adapter)", variants: """
              - name: runtime
              - {name: fused, fuse: q5_0}
            """, gates: "  em: {floor: 1}")
        let result = try TollgateBinary.run(["run", path, "--store", "t.db", "--reports", "Reports"], currentDirectory: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("'variants[1].fuse' at \(path):"))
        #expect(result.stderr.contains("is 'q5_0'; use one of f32, f16, q8_0, q4_0"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t.db").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
    }
}
