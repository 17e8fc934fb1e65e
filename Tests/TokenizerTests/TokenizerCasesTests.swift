import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

/// SmolLM2's tokenizer, read from `tiny-llama.gguf` through ModelIO.
enum SmolLM2Tokenizer {
    static let shared: Result<TextTokenizer, Error> = Result {
        try TextTokenizer(gguf: GGUFFile(url: Fixtures.url("tiny-llama.gguf")))
    }
    static func load() throws -> TextTokenizer { try shared.get() }

    static func vocabulary(pre: String) throws -> TokenizerVocabulary {
        var vocabulary = try TokenizerVocabulary(gguf: GGUFFile(url: Fixtures.url("tiny-llama.gguf")))
        vocabulary.pre = pre
        return vocabulary
    }
}

struct TokenizerCase: Sendable, CustomStringConvertible {
    let text: String
    let ids: [Int]
    var description: String { text.debugDescription }

    /// The 35 strings of `tokenizer-cases.json` and their HF tokenizers ids.
    static let all: [TokenizerCase] = {
        guard let json = try? Fixtures.json("tokenizer-cases.json"),
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        return cases.compactMap { entry in
            guard let text = entry["text"] as? String, let ids = entry["ids"] as? [Int] else { return nil }
            return TokenizerCase(text: text, ids: ids)
        }
    }()
}

struct TokenizerCasesTests {
    @Test func fixtureHoldsAllThirtyFiveCases() {
        #expect(TokenizerCase.all.count == 35)
    }

    @Test(arguments: TokenizerCase.all)
    func encodingMatchesHFTokenizers(_ testCase: TokenizerCase) throws {
        #expect(try SmolLM2Tokenizer.load().encode(testCase.text) == testCase.ids)
    }

    @Test(arguments: TokenizerCase.all)
    func decodingRestoresTheText(_ testCase: TokenizerCase) throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        #expect(tokenizer.decode(tokenizer.encode(testCase.text)) == testCase.text)
        #expect(tokenizer.decode(tokenizer.encode(testCase.text, parseSpecial: false)) == testCase.text)
    }

    @Test(arguments: TokenizerCase.all)
    func streamingChunksJoinToTheTextWithoutReplacementCharacters(_ testCase: TokenizerCase) throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var chunks: [String] = []
        for id in testCase.ids { chunks.append(decoder.append(id)) }
        chunks.append(decoder.finish())
        #expect(chunks.joined() == testCase.text)
        #expect(decoder.text == testCase.text)
        #expect(!chunks.contains { $0.contains("\u{FFFD}") })
    }

    @Test func streamingHoldsBackAnEmojiSplitAcrossTokens() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = tokenizer.encode("😀")
        try #require(ids.count > 1)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        for id in ids.dropLast() { #expect(decoder.append(id) == "") }
        #expect(decoder.append(ids.last!) == "😀")
        #expect(decoder.finish() == "")
    }

    @Test func streamingFlushesAnUnfinishedCharacterAsReplacement() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = tokenizer.encode("😀")
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        #expect(decoder.append(ids[0]) == "")
        #expect(decoder.finish() == tokenizer.decode([ids[0]]))
        #expect(decoder.text.contains("\u{FFFD}"))
    }

    @Test func goldenConversationEncodesToItsInputIDs() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let golden = try Fixtures.json("tiny-llama-golden.json")
        let text = try #require(golden["text"] as? String)
        let ids = try #require(golden["input_ids"] as? [Int])
        let promptTokens = try #require(golden["prompt_tokens"] as? Int)
        #expect(tokenizer.encode(text) == ids)
        let messages = [
            ChatMessage(role: "user", content: "Where is my parcel? Order #4417 shipped on 3 May."),
            ChatMessage(role: "assistant", content: "It left our depot on Monday and should arrive within 2 days."),
        ]
        #expect(try tokenizer.encodeChat(messages, template: .chatml, addGenerationPrompt: false, defaultSystem: nil) == ids)
        let prompt = try tokenizer.encodeChat(Array(messages.prefix(1)), template: .chatml, addGenerationPrompt: true,
                                          defaultSystem: nil)
        #expect(prompt == Array(ids.prefix(promptTokens)))
    }

    @Test func metadataGivesSmolLM2SpecialTokensAndNoBOS() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosID == 1 && tokenizer.eosID == 2 && tokenizer.padID == 2)
        #expect(tokenizer.addBOS == false)
        #expect(tokenizer.preTokenizer == .smollm)
        #expect(tokenizer.tokenString(2) == "<|im_end|>")
        #expect(tokenizer.tokenID("<|im_start|>") == 1)
        #expect(tokenizer.isSpecial(0) && tokenizer.isSpecial(2) && !tokenizer.isSpecial(4093))
        #expect(tokenizer.encode("hi", addBOS: true) == [1, 6004])
        // <|im_end|> ends the turn; as in llama.cpp, <|endoftext|> and the repository marker <reponame>
        // end generation too.
        #expect(tokenizer.endOfGenerationIDs == [0, 2, 4])
        #expect(tokenizer.stopTokenIDs(for: .chatml) == [2, 0, 4])
        #expect(tokenizer.stopTokenIDs(for: .raw) == [2, 0, 4])
    }

    @Test func specialTokensAreTextWhenNotParsed() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = tokenizer.encode("<|im_end|>", parseSpecial: false)
        #expect(!ids.contains(2))
        #expect(ids.count > 1)
        #expect(tokenizer.decode(ids) == "<|im_end|>")
    }

    @Test func skipSpecialDropsControlTokens() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let ids = tokenizer.encode("<|im_start|>assistant\nHello<|im_end|>")
        #expect(tokenizer.decode(ids, skipSpecial: true) == "assistant\nHello")
    }

    @Test func defaultSystemMessageComesFromTheModelsTemplate() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        #expect(try ChatTemplate.detect(tokenizer.chatTemplateSource) == .chatml)
        #expect(tokenizer.defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let text = try ChatTemplate.chatml.render([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true,
                                              defaultSystem: tokenizer.defaultSystemMessage)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func longRunsOfOnePieceEncodeAndRoundTrip() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        for text in [String(repeating: "!?", count: 50_000), String(repeating: "a", count: 100_000),
                     String(repeating: " ", count: 100_000)] {
            let ids = tokenizer.encode(text)
            #expect(ids.count < text.utf8.count)
            #expect(tokenizer.decode(ids) == text)
        }
    }
}
