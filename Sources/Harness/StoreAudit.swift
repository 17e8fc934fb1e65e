import Foundation
import Privacy
import Store

/// `tollgate audit`: personal data of every kind the redactor knows, found in a store's prompts,
/// outputs, references, cached generations and reports — counts per kind and column, with the rows
/// they were found in. Run it in CI before a store is archived or shared.
public struct StoreAudit: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable {
        public var kind: String
        public var table: String
        public var column: String
        public var count: Int
        /// Up to `exampleLimit` rows holding this kind, in store order.
        public var rows: [String]
    }

    public var store: String
    public var findings: Int
    public var counts: [Count]

    public static let exampleLimit = 5

    /// Scans the store at `storePath` for `kinds` (all by default). JSON columns (references,
    /// report bodies) are decoded first and each string in them scanned, so escapes such as `\n`
    /// before a number do not hide it.
    public static func scan(storePath: String, kinds: [RedactionKind] = RedactionKind.allCases) throws -> StoreAudit {
        let store = try TollgateStore(path: storePath)
        let redactor = Redactor(kinds: kinds)
        var counts: [String: Count] = [:]
        var order: [String] = []
        try store.forEachStoredText { stored in
            for text in strings(in: stored) {
                for finding in redactor.findings(in: text) {
                    let key = "\(finding.kind.rawValue)|\(stored.table)|\(stored.column)"
                    if counts[key] == nil {
                        counts[key] = Count(kind: finding.kind.rawValue, table: stored.table, column: stored.column, count: 0, rows: [])
                        order.append(key)
                    }
                    counts[key]!.count += 1
                    if counts[key]!.rows.count < exampleLimit, counts[key]!.rows.last != stored.row { counts[key]!.rows.append(stored.row) }
                }
            }
        }
        let sorted = order.compactMap { counts[$0] }.sorted { ($0.kind, $0.table, $0.column) < ($1.kind, $1.table, $1.column) }
        return StoreAudit(store: storePath, findings: sorted.reduce(0) { $0 + $1.count }, counts: sorted)
    }

    /// The plain strings of a stored text: itself, or every string value of a JSON column.
    static func strings(in stored: StoredText) -> [String] {
        guard stored.column.hasSuffix("_json"),
              let object = try? JSONSerialization.jsonObject(with: Data(stored.text.utf8), options: [.fragmentsAllowed]) else {
            return [stored.text]
        }
        var found: [String] = []
        func walk(_ value: Any) {
            if let string = value as? String { found.append(string) }
            else if let array = value as? [Any] { array.forEach(walk) }
            else if let dictionary = value as? [String: Any] { dictionary.keys.sorted().forEach { walk(dictionary[$0]!) } }
        }
        walk(object)
        return found
    }

    /// The table `tollgate audit` prints.
    public func rendered() -> String {
        guard findings > 0 else { return "audit of \(store): no personal data found" }
        var lines = ["audit of \(store): \(findings) finding\(findings == 1 ? "" : "s")", "",
                     "kind             where                      count  rows"]
        for count in counts {
            let place = "\(count.table).\(count.column)"
            lines.append(count.kind.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                         + place.padding(toLength: 26, withPad: " ", startingAt: 0) + " "
                         + String(count.count).padding(toLength: 6, withPad: " ", startingAt: 0) + " "
                         + count.rows.joined(separator: "; ") + (count.count > count.rows.count ? "; …" : ""))
        }
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
