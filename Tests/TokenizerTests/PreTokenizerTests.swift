import Foundation
import ModelIO
import Testing
import TestSupport
import Tokenizer

struct PreTokenizerCase: Sendable, CustomStringConvertible {
    let text: String
    let gpt2: [Int]
    let llama3: [Int]
    let qwen2: [Int]
    var description: String { text.debugDescription }

    /// `tokenizer-pretokenizer-cases.json`: HF tokenizers ids under the GPT-2, Llama 3 and Qwen2 rules.
    static let all: [PreTokenizerCase] = {
        guard let json = try? Fixtures.json("tokenizer-pretokenizer-cases.json"),
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        return cases.compactMap { entry in
            guard let text = entry["text"] as? String, let gpt2 = entry["gpt2"] as? [Int],
                  let llama3 = entry["llama-bpe"] as? [Int], let qwen2 = entry["qwen2"] as? [Int] else { return nil }
            return PreTokenizerCase(text: text, gpt2: gpt2, llama3: llama3, qwen2: qwen2)
        }
    }()
}

struct PreTokenizerTests {
    static let gpt2 = Result { try TextTokenizer(vocabulary: SmolLM2Tokenizer.vocabulary(pre: "gpt2")) }
    static let llama3 = Result { try TextTokenizer(vocabulary: SmolLM2Tokenizer.vocabulary(pre: "llama-bpe")) }
    static let qwen2 = Result { try TextTokenizer(vocabulary: SmolLM2Tokenizer.vocabulary(pre: "qwen2")) }

    @Test func fixtureHoldsCases() { #expect(PreTokenizerCase.all.count == 18) }

    @Test(arguments: PreTokenizerCase.all)
    func gpt2RulesMatchHFTokenizers(_ testCase: PreTokenizerCase) throws {
        let tokenizer = try Self.gpt2.get()
        #expect(tokenizer.encode(testCase.text) == testCase.gpt2)
        #expect(tokenizer.decode(testCase.gpt2) == testCase.text)
    }

    @Test(arguments: PreTokenizerCase.all)
    func llama3RulesMatchHFTokenizers(_ testCase: PreTokenizerCase) throws {
        let tokenizer = try Self.llama3.get()
        #expect(tokenizer.encode(testCase.text) == testCase.llama3)
    }

    @Test(arguments: PreTokenizerCase.all)
    func qwen2RulesMatchHFTokenizers(_ testCase: PreTokenizerCase) throws {
        let tokenizer = try Self.qwen2.get()
        #expect(tokenizer.encode(testCase.text) == testCase.qwen2)
    }

    @Test func unknownPreTokenizerIsAClearError() throws {
        let vocabulary = try SmolLM2Tokenizer.vocabulary(pre: "deepseek-coder")
        #expect(throws: TokenizerError.unsupportedPreTokenizer("deepseek-coder")) {
            try TextTokenizer(vocabulary: vocabulary)
        }
    }

    @Test func unsupportedModelIsAnErrorNamingTheKeyAndValue() throws {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("bert"))
        writer.set("tokenizer.ggml.model", .string("bert"))
        writer.set("tokenizer.ggml.tokens", .array([.string("<unk>"), .string("a")]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spm-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try writer.write(to: url)
        #expect {
            try TextTokenizer(gguf: GGUFFile(url: url))
        } throws: { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            return message.contains(url.path) && message.contains("tokenizer.ggml.model is \"bert\"")
                && !message.contains("\n")
        }
    }
}
