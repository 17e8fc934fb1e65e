import Foundation
import Privacy
import TestSupport
import Testing

/// The seeded corpus (`Tests/Fixtures/privacy/corpus.jsonl`, see its README): every planted item
/// must be found as exactly its kind and span, and at most 1% of the look-alikes may be touched.
struct CorpusTests {
    struct Item: Decodable { var kind: String?; var category: String?; var text: String }
    struct Message: Decodable { var id: String; var prompt: String; var completion: String; var planted: [Item]; var lookalikes: [Item] }

    static func messages() throws -> [Message] {
        let text = String(decoding: try Fixtures.data("privacy/corpus.jsonl"), as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }

    /// Byte ranges of every occurrence of `needle` in `haystack`'s UTF-8.
    func occurrences(of needle: String, in haystack: String) -> [Range<Int>] {
        let text = Array(haystack.utf8), pattern = Array(needle.utf8)
        guard pattern.count <= text.count else { return [] }
        return (0...(text.count - pattern.count)).filter { Array(text[$0..<($0 + pattern.count)]) == pattern }
            .map { $0..<($0 + pattern.count) }
    }

    @Test func everyPlantedItemIsFoundAsItsKindAndAtMostOnePercentOfLookAlikesAreTouched() throws {
        let redactor = Redactor(kinds: RedactionKind.allCases)
        var planted = 0, found = 0, lookalikes = 0, touched = 0
        var misses: [String] = [], touches: [String] = []
        for message in try Self.messages() {
            let findings = redactor.findings(in: message.prompt)
            for item in message.planted {
                for range in occurrences(of: item.text, in: message.prompt) {
                    planted += 1
                    if findings.contains(where: { $0.kind.rawValue == item.kind && $0.range == range }) {
                        found += 1
                    } else {
                        misses.append("\(message.id) \(item.kind ?? "") '\(item.text)'")
                    }
                }
            }
            for item in message.lookalikes {
                for range in occurrences(of: item.text, in: message.prompt) {
                    lookalikes += 1
                    if findings.contains(where: { $0.range.overlaps(range) }) {
                        touched += 1
                        touches.append("\(message.id) \(item.category ?? "") '\(item.text)'")
                    }
                }
            }
        }
        let recall = Double(found) / Double(planted), touchRate = Double(touched) / Double(lookalikes)
        print("privacy corpus: \(found)/\(planted) planted items found (recall \(recall)); "
              + "\(touched)/\(lookalikes) look-alikes touched (\(touchRate)): \(touches)")
        #expect(planted > 600 && lookalikes > 600)
        #expect(misses.isEmpty, "missed: \(misses.prefix(20))")
        #expect(touchRate <= 0.01, "touched: \(touches.prefix(20))")
    }

    /// The placeholders (`<CARD_1>`) in a text.
    func placeholders(_ text: String) -> Set<String> {
        var found = Set<String>()
        for piece in text.components(separatedBy: "<").dropFirst() {
            guard let close = piece.firstIndex(of: ">") else { continue }
            let name = piece[..<close]
            if name.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }), name.contains("_") { found.insert("<\(name)>") }
        }
        return found
    }

    @Test func redactedCorpusHoldsNoPlantedTextAndRepeatsKeepTheirNumber() throws {
        let redactor = Redactor(kinds: RedactionKind.allCases)
        for message in try Self.messages() {
            let texts = redactor.redact([message.prompt, message.completion])
            for item in message.planted {
                #expect(!texts[0].contains(item.text) && !texts[1].contains(item.text), "\(message.id): \(item.text)")
            }
            // A value quoted again ("Again: …") or in the reference carries the first placeholder's number.
            if message.prompt.contains(" Again: ") {
                let parts = texts[0].components(separatedBy: " Again: ")
                #expect(!placeholders(parts[1]).isEmpty && placeholders(parts[1]).isSubset(of: placeholders(parts[0])),
                        "\(message.id): \(texts[0])")
            }
            #expect(placeholders(texts[1]).isSubset(of: placeholders(texts[0])), "\(message.id): \(texts[1])")
        }
    }
}
