import Foundation
import Testing
import TestSupport

/// `tollgate score` against files written from metric-cases.json; expected text lines are
/// sacrebleu 2.6.0's (`sacrebleu REF -i HYP -f text`) with Tollgate's version in the signature.
@Suite struct ScoreTests {
    static let version = "version:tollgate-0.1.0"

    /// A fresh folder with baseline/sysA/sysB/sysC hypotheses and ref0/ref1 references.
    static func corpusFolder() throws -> URL {
        let json = try Fixtures.json("metric-cases.json")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, lines) in json["hyps"] as! [String: [String]] {
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("\(name).txt"), atomically: true, encoding: .utf8)
        }
        for (index, lines) in (json["refs"] as! [[String]]).enumerated() {
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("ref\(index).txt"), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try TollgateBinary.run(["score"] + arguments, currentDirectory: folder)
    }

    @Test func bleuTextLineMatchesSacrebleu() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--refs", "ref0.txt", "--hyps", "baseline.txt"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|\(Self.version) = 42.9 81.1/58.6/44.8/35.1 (BP = 0.820 ratio = 0.835 hyp_len = 4124 ref_len = 4940)\n")
    }

    @Test func twoReferenceLowercasedZhTextLineMatchesSacrebleu() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--refs", "ref0.txt", "--refs", "ref1.txt", "--hyps", "baseline.txt", "--tokenize", "zh", "--lowercase"], in: folder)
        #expect(result.stdout == "BLEU|nrefs:2|case:lc|eff:no|tok:zh|smooth:exp|\(Self.version) = 47.8 82.8/61.5/47.7/37.7 (BP = 0.868 ratio = 0.876 hyp_len = 4304 ref_len = 4912)\n")
    }

    @Test func chrfPlusPlusTextLineMatchesSacrebleu() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--metric", "chrf++", "--refs", "ref0.txt", "--hyps", "baseline.txt"], in: folder)
        #expect(result.stdout == "chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|\(Self.version) = 60.9\n")
    }

    @Test func confidenceAddsSacrebleuStyleInterval() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--refs", "ref0.txt", "--hyps", "sysA.txt", "--confidence"], in: folder)
        // sacrebleu: "= 49.2 (μ = 49.1 ± 3.4) 84.9/…"; the resampled figures may differ by a little.
        let pattern = #"^BLEU\|nrefs:1\|bs:1000\|seed:12345\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:tollgate-0\.1\.0 = 49\.2 \(μ = 4[89]\.\d ± [234]\.\d\) 84\.9/65\.2/51\.6/41\.2 \(BP = 0\.839 ratio = 0\.851 hyp_len = 4204 ref_len = 4940\)\n$"#
        #expect(result.stdout.range(of: pattern, options: .regularExpression) != nil, "\(result.stdout)")
    }

    @Test func pairedBootstrapJSONListsEverySystemWithPValues() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--refs", "ref0.txt", "--hyps", "baseline.txt", "--hyps", "sysA.txt",
                                   "--hyps", "sysB.txt", "--paired", "bs", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["system"] as? String } == ["baseline.txt", "sysA.txt", "sysB.txt"])
        let expected = (((try Fixtures.json("metric-cases.json"))["paired"] as! [String: Any])["paired_bs"] as! [String: Any])["BLEU"] as! [String: Any]
        for (entry, system) in zip(list, ["baseline", "sysA", "sysB"]) {
            let reference = expected[system] as! [String: Any]
            #expect(entry["metric"] as? String == "bleu")
            #expect(abs((entry["score"] as! Double) - (reference["score"] as! Double)) <= 1e-9)
            #expect(entry["signature"] as? String == "nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|\(Self.version)")
            let ci = try #require(entry["ci"] as? [String: Any])
            #expect(abs((ci["mean"] as! Double) - (reference["mean"] as! Double)) <= 0.5)
            if system == "baseline" {
                #expect(entry["p_value"] is NSNull)
            } else {
                #expect(abs((entry["p_value"] as! Double) - (reference["p_value"] as! Double)) <= 0.05)
            }
        }
    }

    @Test func pairedRandomizationTextMarksBaselineAndSignificance() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--metric", "chrf", "--refs", "ref0.txt", "--hyps", "baseline.txt", "--hyps", "sysC.txt",
                                   "--hyps", "sysB.txt", "--paired", "ar"], in: folder)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "chrF2|nrefs:1|ar:10000|seed:12345|case:mixed|eff:yes|nc:6|nw:0|space:no|\(Self.version)")
        #expect(lines.count == 5)
        #expect(lines[1] == "Baseline: baseline.txt = 61.5")
        #expect(lines[2].hasPrefix("              sysC.txt = 62.0 (p = 0.") && !lines[2].hasSuffix("*"))
        #expect(lines[3].hasPrefix("              sysB.txt = 55.6 (p = 0.00") && lines[3].hasSuffix(")*"))
    }

    @Test func exactMatchStripsWindowsLineEndings() throws {
        let folder = try Self.corpusFolder()
        try "Paris\r\nThe Eiffel Tower\r\nbilling".write(to: folder.appendingPathComponent("em-hyp.txt"), atomically: true, encoding: .utf8)
        try "Paris\nEiffel Tower\nbilling\n".write(to: folder.appendingPathComponent("em-ref.txt"), atomically: true, encoding: .utf8)
        let exact = try Self.run(["--metric", "em", "--refs", "em-ref.txt", "--hyps", "em-hyp.txt"], in: folder)
        #expect(exact.stdout == "EM|nrefs:1|norm:exact|\(Self.version) = 66.7\n", "\(exact.stderr)")
        let squad = try Self.run(["--metric", "em", "--normalize", "squad", "--refs", "em-ref.txt", "--hyps", "em-hyp.txt", "--json"], in: folder)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(squad.stdout.utf8)) as? [[String: Any]])
        #expect(list.first?["score"] as? Double == 100)
    }

    @Test func emptyFilesScoreZero() throws {
        let folder = try Self.corpusFolder()
        try "".write(to: folder.appendingPathComponent("empty.txt"), atomically: true, encoding: .utf8)
        for metric in ["bleu", "chrf", "em"] {
            let result = try Self.run(["--metric", metric, "--refs", "empty.txt", "--hyps", "empty.txt", "--confidence"], in: folder)
            #expect(result.status == 0, "\(metric): \(result.stderr)")
            #expect(result.stdout.contains("= 0.0"), "\(metric): \(result.stdout)")
        }
    }

    @Test func lineCountMismatchExitsTwoNamingBothFilesAndCounts() throws {
        let folder = try Self.corpusFolder()
        try "one\ntwo\n".write(to: folder.appendingPathComponent("short.txt"), atomically: true, encoding: .utf8)
        let result = try Self.run(["--refs", "ref0.txt", "--hyps", "short.txt"], in: folder)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "tollgate: short.txt has 2 lines but ref0.txt has 240; give one segment per line in both files\n")
    }

    @Test func invalidUTF8ExitsTwoNamingTheLine() throws {
        let folder = try Self.corpusFolder()
        var bytes = Array("fine\nalso fine\nbad ".utf8)
        bytes += [0xC3, 0x28, 0x0A]
        try Data(bytes).write(to: folder.appendingPathComponent("bad.txt"))
        try "a\nb\nc\n".write(to: folder.appendingPathComponent("three.txt"), atomically: true, encoding: .utf8)
        let result = try Self.run(["--refs", "three.txt", "--hyps", "bad.txt"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr == "tollgate: bad.txt:3 is not valid UTF-8; re-encode the file as UTF-8\n")
    }

    @Test func missingFileExitsTwoNamingIt() throws {
        let folder = try Self.corpusFolder()
        let result = try Self.run(["--refs", "missing.txt", "--hyps", "baseline.txt"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr == "tollgate: cannot read missing.txt: no such file; check the path\n")
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let folder = try Self.corpusFolder()
        let cases: [[String]] = [
            ["--refs", "ref0.txt", "--hyps", "baseline.txt", "--paired", "bs"],
            ["--hyps", "baseline.txt"],
            ["--metric", "chrf", "--tokenize", "intl", "--refs", "ref0.txt", "--hyps", "baseline.txt"],
            ["--metric", "bleu", "--smooth-value", "0.2", "--refs", "ref0.txt", "--hyps", "baseline.txt"],
            ["--metric", "rouge", "--refs", "ref0.txt", "--hyps", "baseline.txt"],
        ]
        for arguments in cases {
            let result = try Self.run(arguments, in: folder)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
    }
}
