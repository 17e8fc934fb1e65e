import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// Gemma 3 270M's SentencePiece vocabulary (262,144 entries, read from the real model file) against
/// llama.cpp's own tokenizer: `gemma3-tokenizer-cases.json`, written by
/// `Tests/Interop/llama_tokenizer_cases.py` through llama-cpp-python 0.3.36 with `vocab_only`.
/// The tests skip when `models/gemma-3-270m-q4_k_m.gguf` is absent (`make test` fetches it).
struct GemmaTokenizerCases {
    /// `addBOS` is llama.cpp's add_special: add what the vocabulary asks for (Tollgate's `addBOS: nil`).
    struct Case { let text: String; let addBOS: Bool; let parseSpecial: Bool; let ids: [Int] }

    static let all: [Case] = {
        guard let json = try? Fixtures.json("gemma3-tokenizer-cases.json"),
              let cases = json["cases"] as? [[Any]] else { return [] }
        return cases.compactMap { entry in
            guard entry.count == 4, let text = entry[0] as? String, let addBOS = entry[1] as? Bool,
                  let parseSpecial = entry[2] as? Bool, let ids = entry[3] as? [Int] else { return nil }
            return Case(text: text, addBOS: addBOS, parseSpecial: parseSpecial, ids: ids)
        }
    }()

    static let tokenizer: Result<TextTokenizer, Error>? = Fixtures.gemma3.map { url in
        Result { try TextTokenizer(gguf: GGUFFile(url: url)) }
    }
}

@Suite(.enabled(if: Fixtures.gemma3 != nil, "models/gemma-3-270m-q4_k_m.gguf is absent; run make gemma-model"))
struct GemmaTokenizerTests {
    @Test func fixtureHoldsAtLeastTwoThousandStrings() {
        #expect(GemmaTokenizerCases.all.count >= 2000)
        #expect(GemmaTokenizerCases.all.contains { $0.parseSpecial && $0.text.contains("<start_of_turn>") })
    }

    @Test func encodingEqualsLlamaCppOnEveryString() throws {
        let tokenizer = try #require(GemmaTokenizerCases.tokenizer).get()
        var mismatches: [String] = []
        for testCase in GemmaTokenizerCases.all {
            let ids = tokenizer.encode(testCase.text, parseSpecial: testCase.parseSpecial,
                                       addBOS: testCase.addBOS ? nil : false)
            if ids != testCase.ids {
                mismatches.append("\(testCase.text.debugDescription) (addBOS \(testCase.addBOS), parseSpecial "
                                  + "\(testCase.parseSpecial)): \(ids) instead of \(testCase.ids)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(GemmaTokenizerCases.all.count) differ; first: \(mismatches.prefix(5))")
    }

    @Test func decodingGivesEveryStringBack() throws {
        let tokenizer = try #require(GemmaTokenizerCases.tokenizer).get()
        var failures: [String] = []
        for testCase in GemmaTokenizerCases.all {
            // Gemma adds no space prefix, so nothing is dropped on the way back.
            let ids = tokenizer.encode(testCase.text, parseSpecial: testCase.parseSpecial, addBOS: false)
            if tokenizer.decode(ids) != testCase.text { failures.append(testCase.text.debugDescription) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func vocabularyFollowsGemmasMetadata() throws {
        let tokenizer = try #require(GemmaTokenizerCases.tokenizer).get()
        #expect(tokenizer.model == "llama" && tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.bosID == 2 && tokenizer.eosID == 1 && tokenizer.padID == 0 && tokenizer.unknownID == 3)
        #expect(tokenizer.addBOS && !tokenizer.addEOS && !tokenizer.addSpacePrefix)
        #expect(tokenizer.tokenID("<start_of_turn>") == 105 && tokenizer.tokenID("<end_of_turn>") == 106)
        #expect(tokenizer.encode("<start_of_turn>user\nHi<end_of_turn>\n").prefix(2) == [2, 105])
        // <end_of_turn> and <eos> end generation (and, as in llama.cpp, the user-defined </s>).
        #expect(tokenizer.endOfGenerationIDs == [1, 106, 212])
        #expect(tokenizer.isSpecial(105) && !tokenizer.isSpecial(107))
        let summary = ModelSummary(gguf: try GGUFFile(url: try #require(Fixtures.gemma3))).tokenizer
        #expect(summary.kind == "sentencepiece" && summary.addSpacePrefix == false && summary.addBOS == true)
        #expect(summary.bosID == 2 && summary.eosID == 1 && summary.tokens == 262_144)
        // User-defined tokens (runs of line breaks) are split out even when special tokens are not parsed.
        #expect(tokenizer.encode("a\n\n\nb", parseSpecial: false, addBOS: false)
                == [tokenizer.tokenID("a"), 109, tokenizer.tokenID("b")].compactMap { $0 })
    }
}
