import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// The `gpt-4o` pre-tokenizer (Phi-4-mini's o200k rules) against llama.cpp's, which no vocabulary file
/// of llama.cpp's exercises: `gpt4o-tokenizer-cases.json` holds llama.cpp's ids for generated strings
/// under the Llama 3 vocabulary with `tokenizer.ggml.pre` rewritten to "gpt-4o" (written by
/// `Tests/Interop/llama_tokenizer_cases.py`). The same vocabulary is read here with `pre` replaced.
struct GPT4oPreTokenizerTests {
    /// `addBOS` is llama.cpp's add_special: add what the vocabulary asks for (Tollgate's `addBOS: nil`).
    struct Case { let text: String; let addBOS: Bool; let parseSpecial: Bool; let ids: [Int] }

    static let cases: [Case] = {
        guard let json = try? Fixtures.json("gpt4o-tokenizer-cases.json"),
              let cases = json["cases"] as? [[Any]] else { return [] }
        return cases.compactMap { entry in
            guard entry.count == 4, let text = entry[0] as? String, let addBOS = entry[1] as? Bool,
                  let parseSpecial = entry[2] as? Bool, let ids = entry[3] as? [Int] else { return nil }
            return Case(text: text, addBOS: addBOS, parseSpecial: parseSpecial, ids: ids)
        }
    }()

    static func tokenizer() throws -> TextTokenizer {
        var vocabulary = try TokenizerVocabulary(gguf: GGUFFile(url: Fixtures.url("vocab/ggml-vocab-llama-bpe.gguf")))
        vocabulary.pre = "gpt-4o"
        vocabulary.addBOS = false  // llama.cpp adds BOS by default only for the Llama 3 pre-tokenizer
        return try TextTokenizer(vocabulary: vocabulary)
    }

    @Test func encodingEqualsLlamaCppOnEveryString() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.preTokenizer == .gpt4o)
        #expect(Self.cases.count >= 1000)
        var mismatches: [String] = []
        for testCase in Self.cases {
            let ids = tokenizer.encode(testCase.text, parseSpecial: testCase.parseSpecial,
                                       addBOS: testCase.addBOS ? nil : false)
            if ids != testCase.ids { mismatches.append("\(testCase.text.debugDescription): \(ids) instead of \(testCase.ids)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(Self.cases.count) differ; first: \(mismatches.prefix(5))")
    }

    /// Where the o200k rules differ from Llama 3's: a change of letter case inside a word, contractions
    /// kept with their word, and `/` kept with the punctuation before it.
    @Test func splitsWordsWhereTheirCaseChanges() throws {
        let tokenizer = try Self.tokenizer()
        for text in ["helloWORLD", "XMLHttpRequest", "I'M here", "a//b"] {
            #expect(tokenizer.decode(tokenizer.encode(text, addBOS: false)) == text)
        }
        #expect(tokenizer.encode("helloWorld", addBOS: false)
                == tokenizer.encode("hello", addBOS: false) + tokenizer.encode("World", addBOS: false))
    }
}
