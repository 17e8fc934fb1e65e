import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// The vocabulary files llama.cpp tests its tokenizer with (`models/ggml-vocab-*.gguf` in the
/// llama-cpp-python 0.3.36 sdist, copied to `Tests/Fixtures/vocab/`), and their vectors: `.inp` holds
/// the strings separated by `\n__ggml_vocab_test__\n`, `.out` one line of space-separated ids each.
/// llama.cpp's `tests/test-tokenizer-0.cpp` encodes them with add_special and parse_special false.
struct VocabTestVectors {
    let vocabulary: String
    let cases: [(text: String, ids: [Int])]

    static func load(_ vocabulary: String) throws -> VocabTestVectors {
        let base = "vocab/ggml-vocab-\(vocabulary).gguf"
        let input = String(decoding: try Fixtures.data(base + ".inp"), as: UTF8.self)
        let output = String(decoding: try Fixtures.data(base + ".out"), as: UTF8.self)
        let separator = "\n__ggml_vocab_test__\n"
        var texts = input.components(separatedBy: separator)
        if input.hasSuffix(separator) { texts.removeLast() }  // as test-tokenizer-0's reader, no empty last case
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard texts.count == lines.count else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: Fixtures.url(base + ".out").path])
        }
        let ids = lines.map { $0.split(separator: " ").compactMap { Int($0) } }
        return VocabTestVectors(vocabulary: vocabulary, cases: Array(zip(texts, ids)))
    }

    static func tokenizer(_ vocabulary: String) throws -> TextTokenizer {
        try TextTokenizer(gguf: GGUFFile(url: Fixtures.url("vocab/ggml-vocab-\(vocabulary).gguf")))
    }
}

struct VocabTestVectorTests {
    @Test(arguments: ["llama-bpe", "qwen2", "phi-3", "llama-spm"])
    func encodingEqualsLlamaCppVectors(vocabulary: String) throws {
        let vectors = try VocabTestVectors.load(vocabulary)
        let tokenizer = try VocabTestVectors.tokenizer(vocabulary)
        #expect(vectors.cases.count >= 40)
        for (text, ids) in vectors.cases {
            #expect(tokenizer.encode(text, parseSpecial: false, addBOS: false) == ids, "\(vocabulary): \(text.debugDescription)")
        }
    }

    /// Decoding gives every vector's text back: SentencePiece's added space is dropped from the first
    /// token, as llama.cpp's detokenizer does, and byte tokens spell what the vocabulary lacks.
    @Test(arguments: ["llama-bpe", "qwen2", "phi-3", "llama-spm"])
    func decodingRestoresTheVectorTexts(vocabulary: String) throws {
        let vectors = try VocabTestVectors.load(vocabulary)
        let tokenizer = try VocabTestVectors.tokenizer(vocabulary)
        for (text, ids) in vectors.cases {
            #expect(tokenizer.decode(ids) == text, "\(vocabulary): \(text.debugDescription)")
        }
    }

    @Test func sentencePieceVocabulariesAddBOSAndTheirSpacePrefix() throws {
        let llama2 = try VocabTestVectors.tokenizer("llama-spm")
        #expect(llama2.model == "llama" && llama2.preTokenizer == nil)
        #expect(llama2.bosID == 1 && llama2.eosID == 2 && llama2.unknownID == 0)
        #expect(llama2.addBOS && !llama2.addEOS && llama2.addSpacePrefix)
        let hello = llama2.encode("Hello world", parseSpecial: false, addBOS: false)
        #expect(llama2.encode("Hello world") == [1] + hello)
        #expect(hello.map(llama2.tokenString) == ["▁Hello", "▁world"])
        // Parsed special tokens end a fragment: the next fragment gets its own space prefix.
        #expect(llama2.encode("<s>Hello world", addBOS: false) == [1] + hello)
        #expect(llama2.encode("<s>Hello world", parseSpecial: false, addBOS: false).first != 1)
        #expect(llama2.decode([1] + hello) == "<s> Hello world")
        #expect(llama2.decode([1] + hello, skipSpecial: true) == " Hello world")
        #expect(llama2.endOfGenerationIDs == [2])
        let summary = ModelSummary(gguf: try GGUFFile(url: Fixtures.url("vocab/ggml-vocab-llama-spm.gguf"))).tokenizer
        #expect(summary.kind == "sentencepiece" && summary.addSpacePrefix == true && summary.addBOS == true)
        #expect(summary.description == "SentencePiece (llama), space prefix")
    }

    @Test func bytesOutsideTheVocabularyFallBackToByteTokens() throws {
        let llama2 = try VocabTestVectors.tokenizer("llama-spm")
        // U+1F9A9 (flamingo) is not a Llama 2 token: its four UTF-8 bytes are <0xF0> <0x9F> <0xA6> <0xA9>.
        let ids = llama2.encode("🦩", parseSpecial: false, addBOS: false)
        #expect(ids.suffix(4).map(llama2.tokenString) == ["<0xF0>", "<0x9F>", "<0xA6>", "<0xA9>"])
        #expect(llama2.decode(ids) == "🦩")
    }

    @Test func phi3StripsWhitespaceAfterItsChatMarkers() throws {
        let phi3 = try VocabTestVectors.tokenizer("phi-3")
        let user = try #require(phi3.tokenID("<|user|>"))
        let end = try #require(phi3.tokenID("<|end|>"))
        // As Phi-3's tokenizer_config (rstrip) and llama.cpp: the newline after <|user|> is dropped.
        let ids = phi3.encode("<|user|>\nHi<|end|>\n", addBOS: false)
        #expect(ids.first == user && ids.last == end)
        #expect(ids == [user] + phi3.encode("Hi", parseSpecial: false, addBOS: false) + [end])
        #expect(phi3.endOfGenerationIDs.contains(end) && phi3.endOfGenerationIDs.contains(32000))
    }

    @Test func llama3AndQwen2FollowTheirBOSRules() throws {
        let llama3 = try VocabTestVectors.tokenizer("llama-bpe")
        #expect(llama3.addBOS && llama3.bosID == 128000)
        #expect(llama3.encode("Hi").first == 128000)
        #expect(llama3.endOfGenerationIDs.contains(128009) && llama3.endOfGenerationIDs.contains(128001))
        let qwen2 = try VocabTestVectors.tokenizer("qwen2")
        #expect(!qwen2.addBOS)
        #expect(qwen2.encode("<|im_start|>user", addBOS: nil).first == 151644)
        // llama.cpp also ends generation on any token spelled </s>, which Qwen2's vocabulary has as a word.
        #expect(qwen2.endOfGenerationIDs == [128247, 151643, 151645])
    }
}

/// A damaged SentencePiece vocabulary is an error naming what is wrong, never a crash.
struct SentencePieceVocabularyErrorTests {
    static func vocabulary(tokens: [String], types: [Int32], scores: [Float]) -> TokenizerVocabulary {
        TokenizerVocabulary(tokens: tokens, tokenTypes: types, scores: scores, model: "llama", pre: "default",
                            bosID: 1, eosID: 2, unknownID: 0, addBOS: true)
    }

    @Test func byteTokenNotSpelledAsHexIsAnError() {
        let vocabulary = Self.vocabulary(tokens: ["<unk>", "<s>", "</s>", "<0xZZ>", "▁a"], types: [2, 3, 3, 6, 1],
                                         scores: [0, 0, 0, 0, -1])
        #expect(throws: TokenizerError.malformedByteToken(id: 3, text: "<0xZZ>")) { try TextTokenizer(vocabulary: vocabulary) }
    }

    @Test func scoresOfTheWrongCountAreAnError() {
        let vocabulary = Self.vocabulary(tokens: ["<unk>", "<s>", "</s>", "▁a"], types: [2, 3, 3, 1], scores: [0, 0])
        #expect(throws: TokenizerError.scoreCountMismatch(tokens: 4, scores: 2)) { try TextTokenizer(vocabulary: vocabulary) }
    }

    @Test func aTinyVocabularyMergesByScoreAndFallsBackToUnknown() throws {
        // "▁ab" is reachable through "▁a"+"b" (score -1) or "▁"+"ab" (the pair ▁a scores higher than ab).
        let tokens = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "▁ab"]
        let vocabulary = Self.vocabulary(tokens: tokens, types: [2, 3, 3, 1, 1, 1, 1, 1, 1],
                                         scores: [0, 0, 0, -5, -6, -7, -1, -2, -3])
        let tokenizer = try TextTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.encode("ab") == [1, 8])
        #expect(tokenizer.encode("ba", addBOS: false) == [3, 5, 4])
        // No byte tokens: a character outside the vocabulary becomes <unk>, once per byte.
        #expect(tokenizer.encode("é", addBOS: false) == [3, 0, 0])
        #expect(tokenizer.decode([8, 6]) == "ab a")
    }
}
