import Foundation
import TestSupport

/// The seeded privacy corpus (`Tests/Fixtures/privacy`) and byte-level searches of what a run wrote.
enum PrivacyCorpus {
    struct Message {
        var id: String
        var prompt: String
        /// The planted personal data: (kind, text as it must never appear once redacted or pruned).
        var planted: [(kind: String, text: String)]
        var lookalikeCount: Int
    }

    static let path = Fixtures.url("privacy/corpus.jsonl").path

    static func messages() throws -> [Message] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let planted = (object["planted"] as! [[String: String]]).map { (kind: $0["kind"]!, text: $0["text"]!) }
            return Message(id: object["id"] as! String, prompt: object["prompt"] as! String, planted: planted,
                           lookalikeCount: (object["lookalikes"] as! [Any]).count)
        }
    }

    /// The first `count` lines of the corpus as a dataset file in `folder`.
    static func subset(_ count: Int, in folder: URL) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").prefix(count)
        let url = folder.appendingPathComponent("privacy-\(count).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Every regular file under `folder` (the store, its WAL and SHM, reports, JSON summaries, adapters).
    static func files(under folder: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }

    /// The files under `folder` whose bytes contain `needle`, by name.
    static func filesContaining(_ needle: String, under folder: URL, except skipped: Set<String> = []) throws -> [String] {
        let pattern = Data(needle.utf8)
        return try files(under: folder).filter { !skipped.contains($0.lastPathComponent) }
            .filter { try Data(contentsOf: $0).range(of: pattern) != nil }.map(\.lastPathComponent)
    }
}
